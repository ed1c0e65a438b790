// Racing webhook deliveries: providers retry, and retries arrive together.
// Real threads deliver through one shared pool of 3; the unique event key and
// the booking row lock decide. Asserts outcomes only, never timings.
#include "support.hpp"

using namespace booking_test;
using booking::PaymentEvent;
using booking::PaymentOutcome;
using booking::WebhookResult;

TEST_CASE_METHOD(UnpaidBookingRace, "10 concurrent deliveries of one event: processed once, paid once", "[race][commits][webhooks]") {
    const auto escaped = runConcurrently(10, [&](int) {
        r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_r1", num(bk, "id"), 10000});
    });
    CHECK(escaped.empty());
    CHECK(r.tally.unexpected.empty());
    REQUIRE(r.results.size() == 10);
    CHECK(r.count(false) == 1);
    CHECK(r.count(true) == 9);
    CHECK(r.count(PaymentOutcome::Applied) == 10);  // every replay reports the first result
    for (const auto& res : r.results) CHECK(res.event_row_id == r.results.front().event_row_id);
    CHECK(rowsOf("payment_events", a) == 1);
    CHECK(paidCents(bk) == 10000);
}

TEST_CASE_METHOD(UnpaidBookingRace, "10 different events for one booking: exactly one pays it", "[race][commits][webhooks]") {
    runConcurrently(10, [&](int i) {
        r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_d" + std::to_string(i), num(bk, "id"), 10000});
    });
    CHECK(r.tally.unexpected.empty());
    CHECK(r.count(PaymentOutcome::Applied) == 1);
    CHECK(r.count(PaymentOutcome::AlreadyPaid) == 9);
    CHECK(r.count(true) == 0);
    CHECK(rowsOf("payment_events", a) == 10);
    CHECK(paidCents(bk) == 10000);
}

TEST_CASE("10 deliveries of an event for an unknown booking: recorded once", "[race][commits][webhooks]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    unpaidBooking(a);
    booking::BookingService service;
    Results r;
    runConcurrently(10, [&](int) { r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_u", 987654321, 10000}); });
    CHECK(r.tally.unexpected.empty());
    CHECK(r.count(PaymentOutcome::UnknownBooking) == 10);
    CHECK(r.count(false) == 1);
    CHECK(rowsOf("payment_events", a) == 1);
    CHECK(rowsOf("bookings", a, "paid_at IS NOT NULL") == 0);
}

TEST_CASE_METHOD(TwoUnpaidBookings, "tenants A and B receive one event id concurrently: once in each", "[race][commits][webhooks][isolation]") {
    booking::BookingService service;
    Results ra;
    Results rb;
    runConcurrently(10, [&](int i) {
        if (i % 2 == 0) {
            ra.deliver(service, byId(a), PaymentEvent{"stripe", "evt_ab", num(in_a, "id"), 10000});
        } else {
            rb.deliver(service, byId(b), PaymentEvent{"stripe", "evt_ab", num(in_b, "id"), 10000});
        }
    });
    CHECK(ra.tally.unexpected.empty());
    CHECK(rb.tally.unexpected.empty());
    CHECK(ra.count(false) == 1);
    CHECK(rb.count(false) == 1);
    CHECK(rowsOf("payment_events", a) == 1);
    CHECK(rowsOf("payment_events", b) == 1);
    CHECK(paidCents(in_a) == 10000);
    CHECK(paidCents(in_b) == 10000);
}

TEST_CASE_METHOD(TenantWithPackage, "10 bookings paid concurrently by their own events: each paid once", "[race][commits][webhooks]") {
    const auto rows = bookings.createMany(a, 10, {{"package_id", text(pkg, "id")}});
    booking::BookingService service;
    Results r;
    runConcurrently(10, [&](int i) {
        r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_b" + std::to_string(i), num(rows[static_cast<std::size_t>(i)], "id"), 10000});
    });
    CHECK(r.tally.unexpected.empty());
    CHECK(r.count(PaymentOutcome::Applied) == 10);
    CHECK(rowsOf("bookings", a, "paid_cents = 10000 AND paid_at IS NOT NULL") == 10);
}

TEST_CASE_METHOD(UnpaidBookingRace, "a cancel racing deliveries: every delivery agrees with the first verdict", "[race][commits][webhooks]") {
    std::atomic<bool> cancelled{false};
    runConcurrently(8, [&](int i) {
        if (i == 0) {
            cancelled = service.cancelBooking(byId(a), num(bk, "id")).status == booking::BookingStatus::Cancelled;
        } else {
            r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_c", num(bk, "id"), 10000});
        }
    });
    CHECK(cancelled);
    CHECK(r.tally.unexpected.empty());
    REQUIRE(r.results.size() == 7);
    const PaymentOutcome first = r.results.front().outcome;
    CHECK((first == PaymentOutcome::Applied || first == PaymentOutcome::BookingCancelled));
    CHECK(r.count(first) == 7);
    CHECK(r.count(false) == 1);
    // Paid exactly when the payment got in before the cancel.
    CHECK(paidCents(bk) == (first == PaymentOutcome::Applied ? 10000 : 0));
}

TEST_CASE_METHOD(UnpaidBookingRace, "two events delivered five times each: one pays, one is AlreadyPaid", "[race][commits][webhooks]") {
    runConcurrently(10, [&](int i) {
        r.deliver(service, byId(a), PaymentEvent{"stripe", i % 2 == 0 ? "evt_x" : "evt_y", num(bk, "id"), 10000});
    });
    CHECK(r.tally.unexpected.empty());
    CHECK(r.count(false) == 2);
    CHECK(r.count(true) == 8);
    CHECK(r.count(PaymentOutcome::Applied) == 5);
    CHECK(r.count(PaymentOutcome::AlreadyPaid) == 5);
    CHECK(rowsOf("payment_events", a) == 2);
    CHECK(paidCents(bk) == 10000);
}

TEST_CASE_METHOD(UnpaidBookingRace, "20 deliveries through a pool of 3: no timeout, one processing", "[race][commits][webhooks][pool]") {
    const auto escaped = runConcurrently(20, [&](int) {
        r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_20", num(bk, "id"), 10000});
    });
    CHECK(escaped.empty());
    CHECK(r.tally.unexpected.empty());  // no PoolTimeout, no PoolDeadlock
    CHECK(r.results.size() == 20);
    CHECK(r.count(false) == 1);
    CHECK(paidCents(bk) == 10000);
    checkPoolSettled();
}

TEST_CASE("five rounds of six deliveries: each round processes its event once", "[race][commits][webhooks]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    booking::BookingService service;
    for (int round = 0; round < 5; ++round) {
        const auto bk = unpaidBooking(a);
        Results r;
        runConcurrently(6, [&](int) {
            r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_round" + std::to_string(round), num(bk, "id"), 10000});
        });
        INFO("round " << round);
        CHECK(r.tally.unexpected.empty());
        CHECK(r.count(false) == 1);
        CHECK(r.count(PaymentOutcome::Applied) == 6);
        CHECK(paidCents(bk) == 10000);
    }
    CHECK(rowsOf("payment_events", a) == 5);
}

TEST_CASE_METHOD(UnpaidBookingRace, "racing deliveries with different amounts all get the stored first result", "[race][commits][webhooks]") {
    runConcurrently(10, [&](int i) {
        // Half carry the right amount, half a wrong one: whichever is stored first decides.
        r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_amt", num(bk, "id"), i % 2 == 0 ? 10000 : 9999});
    });
    CHECK(r.tally.unexpected.empty());
    REQUIRE(r.results.size() == 10);
    const auto& first = r.results.front();
    for (const auto& res : r.results) {
        CHECK(res.outcome == first.outcome);
        CHECK(res.amount_cents == first.amount_cents);
    }
    CHECK(r.count(false) == 1);
    const bool applied = first.amount_cents == 10000;
    CHECK(first.outcome == (applied ? PaymentOutcome::Applied : PaymentOutcome::AmountMismatch));
    CHECK(paidCents(bk) == (applied ? 10000 : 0));
}

TEST_CASE_METHOD(UnpaidBookingRace, "malformed deliveries racing valid ones are refused and change nothing", "[race][commits][webhooks][validation]") {
    runConcurrently(10, [&](int i) {
        const bool bad = i % 3 == 0;  // threads 0, 3, 6, 9
        r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_v", num(bk, "id"), bad ? -1 : 10000});
    });
    CHECK(r.tally.unexpected.empty());
    CHECK(r.tally.refused == 4);
    CHECK(r.tally.succeeded == 6);
    CHECK(r.count(false) == 1);
    CHECK(rowsOf("payment_events", a) == 1);
    CHECK(paidCents(bk) == 10000);
}

TEST_CASE_METHOD(UnpaidBookingRace, "deliveries naming the tenant by slug and by id are one tenant's event", "[race][commits][webhooks][tenant-ref]") {
    runConcurrently(10, [&](int i) {
        r.deliver(service, i % 2 == 0 ? bySlug(a) : byId(a), PaymentEvent{"stripe", "evt_ref", num(bk, "id"), 10000});
    });
    CHECK(r.tally.unexpected.empty());
    CHECK(r.count(false) == 1);
    CHECK(r.count(true) == 9);
    CHECK(rowsOf("payment_events", a) == 1);
    CHECK(paidCents(bk) == 10000);
}

TEST_CASE("book-then-pay pipelines on 8 threads: every booking paid exactly once", "[race][commits][webhooks][bookings]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto pkg = packages.create(a, {{"price_cents", std::string("4000")}});
    booking::BookingService service;
    Results r;
    runConcurrently(8, [&](int i) {
        // Lease 1: book. Lease 2 and 3: pay, then the provider's retry. Never two at once.
        const auto made = service.book(byId(a), request(text(pkg, "slug"), "2032-01-0" + std::to_string(i + 1)));
        const PaymentEvent pay{"stripe", "evt_p" + std::to_string(i), made.id, made.total_cents};
        r.deliver(service, byId(a), pay);
        r.deliver(service, byId(a), pay);
    });
    CHECK(r.tally.unexpected.empty());
    CHECK(r.results.size() == 16);
    CHECK(r.count(false) == 8);
    CHECK(r.count(PaymentOutcome::Applied) == 16);
    CHECK(rowsOf("bookings", a, "paid_cents = 4000") == 8);
    CHECK(rowsOf("payment_events", a) == 8);
}

TEST_CASE_METHOD(TwoUnpaidBookings, "concurrent deliveries to A and B: each tenant lists only its own events", "[race][commits][webhooks][isolation]") {
    booking::BookingService service;
    Results r;
    runConcurrently(12, [&](int i) {
        const bool to_a = i % 2 == 0;
        r.deliver(service, byId(to_a ? a : b),
                  PaymentEvent{"stripe", (to_a ? "a_evt_" : "b_evt_") + std::to_string(i / 4), num(to_a ? in_a : in_b, "id"), 10000});
    });
    CHECK(r.tally.unexpected.empty());
    const auto listed = [&](const testdb::Tenant& t) {
        const auto id = idOf(t);
        return testdb::withTransaction([&](testdb::Transaction& tx) { return booking::WebhookRepository().list(tx, id); });
    };
    const auto of_a = listed(a);
    const auto of_b = listed(b);
    CHECK(of_a.size() == 3);
    CHECK(of_b.size() == 3);
    for (const auto& e : of_a) CHECK(e.event_id.rfind("a_evt_", 0) == 0);
    for (const auto& e : of_b) CHECK(e.event_id.rfind("b_evt_", 0) == 0);
    CHECK(paidCents(in_a) == 10000);
    CHECK(paidCents(in_b) == 10000);
    checkPoolSettled();
}

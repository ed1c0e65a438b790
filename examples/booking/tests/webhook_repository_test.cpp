// WebhookRepository against real PostgreSQL: a payment event is processed
// once per tenant; replays return the first result and change nothing; a
// booking is paid exactly once; tenants never touch each other's bookings.
#include "support.hpp"

using namespace booking_test;
using booking::PaymentEvent;
using booking::PaymentOutcome;
using booking::WebhookRepository;
using booking::WebhookResult;

namespace {

const WebhookRepository webhooks;

WebhookResult deliver(const testdb::Tenant& tenant, const PaymentEvent& event) {
    const auto id = idOf(tenant);
    return testdb::withTransaction([&](testdb::Transaction& tx) { return webhooks.process(tx, id, event); });
}

// A confirmed, unpaid booking of `tenant` costing `total` cents.
// When the booking was paid, in microseconds since 1970 (exact).
long long paidAtMicros(const testdb::Row& booking) {
    return scalar("SELECT (extract(epoch FROM paid_at) * 1000000)::bigint FROM bookings WHERE id = " +
                  text(booking, "id"));
}

}  // namespace

TEST_CASE("the first delivery applies the payment", "[webhooks]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto b = unpaidBooking(a);
    const auto result = deliver(a, PaymentEvent{"stripe", "evt_1", num(b, "id"), 10000});
    CHECK(result.outcome == PaymentOutcome::Applied);
    CHECK_FALSE(result.replayed);
    CHECK(result.booking_id == num(b, "id"));
    CHECK(result.amount_cents == 10000);
    CHECK(paidCents(b) == 10000);
    CHECK(rowsOf("bookings", a, "paid_at IS NOT NULL") == 1);
    CHECK(rowsOf("payment_events", a) == 1);
}

TEST_CASE("a replay returns the first result and changes nothing", "[webhooks][idempotency]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto b = unpaidBooking(a);
    const PaymentEvent event{"stripe", "evt_2", num(b, "id"), 10000};
    const auto first = deliver(a, event);
    const auto paid_at = paidAtMicros(b);
    const auto again = deliver(a, event);
    CHECK(again.replayed);
    CHECK(again.event_row_id == first.event_row_id);
    CHECK(again.outcome == PaymentOutcome::Applied);
    CHECK(again.booking_id == first.booking_id);
    CHECK(paidCents(b) == 10000);
    CHECK(paidAtMicros(b) == paid_at);
    CHECK(rowsOf("payment_events", a) == 1);
}

TEST_CASE("a replay with a different payload still returns the first result", "[webhooks][idempotency]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto b1 = unpaidBooking(a);
    const auto b2 = unpaidBooking(a);
    const auto first = deliver(a, PaymentEvent{"stripe", "evt_3", num(b1, "id"), 10000});
    const auto again = deliver(a, PaymentEvent{"stripe", "evt_3", num(b2, "id"), 99});
    CHECK(again.replayed);
    CHECK(again.booking_id == num(b1, "id"));
    CHECK(again.amount_cents == 10000);
    CHECK(paidCents(b2) == 0);
    CHECK(rowsOf("payment_events", a, "amount_cents = 99") == 0);
    CHECK(first.event_row_id == again.event_row_id);
}

TEST_CASE("a second event for a paid booking is AlreadyPaid and pays nothing", "[webhooks]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto b = unpaidBooking(a);
    deliver(a, PaymentEvent{"stripe", "evt_4a", num(b, "id"), 10000});
    const auto second = deliver(a, PaymentEvent{"stripe", "evt_4b", num(b, "id"), 10000});
    CHECK(second.outcome == PaymentOutcome::AlreadyPaid);
    CHECK_FALSE(second.replayed);
    CHECK(paidCents(b) == 10000);
    CHECK(rowsOf("payment_events", a) == 2);
}

TEST_CASE_METHOD(TenantWithPackage, "an event for a cancelled booking is BookingCancelled and pays nothing", "[webhooks]") {
    const auto b = bookings.create(a, {{"package_id", text(pkg, "id")}, {"status", std::string("cancelled")}});
    const auto result = deliver(a, PaymentEvent{"stripe", "evt_5", num(b, "id"), 10000});
    CHECK(result.outcome == PaymentOutcome::BookingCancelled);
    CHECK(paidCents(b) == 0);
    CHECK(rowsOf("bookings", a, "paid_at IS NOT NULL") == 0);
}

TEST_CASE("an event for an unknown booking is recorded as UnknownBooking", "[webhooks]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    unpaidBooking(a);
    const auto result = deliver(a, PaymentEvent{"stripe", "evt_6", 987654321, 10000});
    CHECK(result.outcome == PaymentOutcome::UnknownBooking);
    CHECK_FALSE(result.booking_id);
    CHECK(rowsOf("payment_events", a, "booking_id IS NULL AND requested_booking_id = 987654321") == 1);
    CHECK(rowsOf("bookings", a, "paid_at IS NOT NULL") == 0);
}

TEST_CASE("tenant B's event naming A's booking pays nothing of A's", "[webhooks][isolation]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    const auto of_a = unpaidBooking(a);
    const auto result = deliver(b, PaymentEvent{"stripe", "evt_7", num(of_a, "id"), 10000});
    CHECK(result.outcome == PaymentOutcome::UnknownBooking);
    CHECK(paidCents(of_a) == 0);
    CHECK(rowsOf("payment_events", b) == 1);
    CHECK(rowsOf("payment_events", a) == 0);
}

TEST_CASE_METHOD(TwoUnpaidBookings, "one event id in tenants A and B is two independent events", "[webhooks][isolation]") {
    const auto ra = deliver(a, PaymentEvent{"stripe", "evt_shared", num(in_a, "id"), 10000});
    const auto rb = deliver(b, PaymentEvent{"stripe", "evt_shared", num(in_b, "id"), 10000});
    CHECK(ra.outcome == PaymentOutcome::Applied);
    CHECK(rb.outcome == PaymentOutcome::Applied);
    CHECK_FALSE(rb.replayed);
    CHECK(ra.event_row_id != rb.event_row_id);
    CHECK(paidCents(in_a) == 10000);
    CHECK(paidCents(in_b) == 10000);
}

TEST_CASE("one event id from two providers is two events", "[webhooks]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto b = unpaidBooking(a);
    const auto from_stripe = deliver(a, PaymentEvent{"stripe", "evt_9", num(b, "id"), 10000});
    const auto from_adyen = deliver(a, PaymentEvent{"adyen", "evt_9", num(b, "id"), 10000});
    CHECK(from_stripe.outcome == PaymentOutcome::Applied);
    CHECK_FALSE(from_adyen.replayed);
    CHECK(from_adyen.outcome == PaymentOutcome::AlreadyPaid);
    CHECK(rowsOf("payment_events", a) == 2);
    CHECK(paidCents(b) == 10000);
}

TEST_CASE("a wrong amount is AmountMismatch; a later correct event pays", "[webhooks]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto b = unpaidBooking(a, "12345");
    const auto wrong = deliver(a, PaymentEvent{"stripe", "evt_10a", num(b, "id"), 12000});
    CHECK(wrong.outcome == PaymentOutcome::AmountMismatch);
    CHECK(paidCents(b) == 0);
    const auto right = deliver(a, PaymentEvent{"stripe", "evt_10b", num(b, "id"), 12345});
    CHECK(right.outcome == PaymentOutcome::Applied);
    CHECK(paidCents(b) == 12345);
}

TEST_CASE("a replay of a mismatched event stays a mismatch, even with the right amount", "[webhooks][idempotency]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto b = unpaidBooking(a);
    deliver(a, PaymentEvent{"stripe", "evt_11", num(b, "id"), 1});
    const auto replay = deliver(a, PaymentEvent{"stripe", "evt_11", num(b, "id"), 10000});
    CHECK(replay.replayed);
    CHECK(replay.outcome == PaymentOutcome::AmountMismatch);
    CHECK(paidCents(b) == 0);
}

TEST_CASE("malformed events are InvalidInput and store nothing", "[webhooks][validation]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto b = unpaidBooking(a);
    CHECK_THROWS_AS(deliver(a, PaymentEvent{"stripe", "", num(b, "id"), 10000}), booking::InvalidInput);
    CHECK_THROWS_AS(deliver(a, PaymentEvent{"", "evt_12", num(b, "id"), 10000}), booking::InvalidInput);
    CHECK_THROWS_AS(deliver(a, PaymentEvent{"stripe", "evt_12", num(b, "id"), -10000}), booking::InvalidInput);
    CHECK(rowsOf("payment_events", a) == 0);
    CHECK(paidCents(b) == 0);
}

TEST_CASE("find returns the stored result; other tenants find nothing", "[webhooks][isolation]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    const auto bk = unpaidBooking(a);
    const auto stored = deliver(a, PaymentEvent{"stripe", "evt_13", num(bk, "id"), 10000});
    const auto found = testdb::withTransaction([&](testdb::Transaction& tx) { return webhooks.find(tx, idOf(a), "stripe", "evt_13"); });
    REQUIRE(found);
    CHECK(found->event_row_id == stored.event_row_id);
    CHECK(found->outcome == PaymentOutcome::Applied);
    CHECK_FALSE(found->replayed);
    CHECK_FALSE(testdb::withTransaction([&](testdb::Transaction& tx) { return webhooks.find(tx, idOf(b), "stripe", "evt_13"); }));
    CHECK_FALSE(testdb::withTransaction([&](testdb::Transaction& tx) { return webhooks.find(tx, idOf(a), "stripe", "evt_none"); }));
}

TEST_CASE("list returns a tenant's events in arrival order, and only its own", "[webhooks][isolation]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    const auto bk = unpaidBooking(a);
    for (const char* id : {"evt_c", "evt_a", "evt_b"}) {
        deliver(a, PaymentEvent{"stripe", id, num(bk, "id"), 10000});
    }
    deliver(b, PaymentEvent{"stripe", "evt_b_only", 1, 10000});
    const auto of_a = testdb::withTransaction([&](testdb::Transaction& tx) { return webhooks.list(tx, idOf(a)); });
    REQUIRE(of_a.size() == 3);
    CHECK(of_a[0].event_id == "evt_c");
    CHECK(of_a[0].outcome == PaymentOutcome::Applied);
    CHECK(of_a[1].event_id == "evt_a");
    CHECK(of_a[1].outcome == PaymentOutcome::AlreadyPaid);
    CHECK(of_a[2].event_id == "evt_b");
    const auto of_b = testdb::withTransaction([&](testdb::Transaction& tx) { return webhooks.list(tx, idOf(b)); });
    REQUIRE(of_b.size() == 1);
    CHECK(of_b[0].event_id == "evt_b_only");
}

TEST_CASE("an event recorded earlier is a replay: its first verdict stands", "[webhooks][idempotency]") {
    // The event arrived before its booking existed and was recorded as
    // unknown (a factory row stands for that delivery). The provider retries
    // now that the booking exists: still the first verdict, nothing paid.
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto bk = unpaidBooking(a);
    const auto earlier = paymentEvents.create(a, {{"requested_booking_id", text(bk, "id")},
                                                  {"outcome", std::string("unknown_booking")}});
    const auto retry = deliver(a, PaymentEvent{"stripe", text(earlier, "event_id"), num(bk, "id"), 10000});
    CHECK(retry.replayed);
    CHECK(retry.event_row_id == num(earlier, "id"));
    CHECK(retry.outcome == PaymentOutcome::UnknownBooking);
    CHECK(paidCents(bk) == 0);
}

TEST_CASE("the service resolves the tenant by slug or id: the second delivery is a replay", "[webhooks][tenant-ref]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto bk = unpaidBooking(a);
    booking::BookingService service;
    const PaymentEvent event{"stripe", "evt_16", num(bk, "id"), 10000};
    const auto by_slug = service.handlePaymentWebhook(bySlug(a), event);
    const auto by_id = service.handlePaymentWebhook(byId(a), event);
    CHECK(by_slug.outcome == PaymentOutcome::Applied);
    CHECK_FALSE(by_slug.replayed);
    CHECK(by_id.replayed);
    CHECK(by_id.event_row_id == by_slug.event_row_id);
    CHECK(paidCents(bk) == 10000);
}

TEST_CASE("a webhook for an unknown tenant is UnknownTenant and stores nothing", "[webhooks][tenant-ref]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto bk = unpaidBooking(a);
    booking::BookingService service;
    const PaymentEvent event{"stripe", "evt_17", num(bk, "id"), 10000};
    // Tenant B's slug, before B exists; and A's slug typed as an "id" would be.
    CHECK_THROWS_AS(service.handlePaymentWebhook(bySlug(ctx.tenants.tenantB), event), booking::UnknownTenant);
    CHECK_THROWS_AS(service.handlePaymentWebhook(booking::TenantRef::bySlug(a.id()), event), booking::UnknownTenant);
    CHECK(rowsOf("payment_events", a) == 0);
    CHECK(paidCents(bk) == 0);
}

// GoogleTest port of ../webhook_race_conditions_test.cpp (the same tests, as GoogleTest tests).
// Racing webhook deliveries: providers retry, and retries arrive together.
// Real threads deliver through one shared pool of 3; the unique event key and
// the booking row lock decide. Asserts outcomes only, never timings.
#include "support.hpp"

using namespace booking_test;
using booking::PaymentEvent;
using booking::PaymentOutcome;
using booking::WebhookResult;

TEST_F(WebhookRaceUnpaidBookingCommits, 10ConcurrentDeliveriesOfOneEventProcessedOncePaidOnce) {
    const auto escaped = runConcurrently(10, [&](int) {
        r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_r1", num(bk, "id"), 10000});
    });
    EXPECT_TRUE(escaped.empty());
    EXPECT_TRUE(r.tally.unexpected.empty());
    ASSERT_EQ(r.results.size(), 10u);
    EXPECT_EQ(r.count(false), 1);
    EXPECT_EQ(r.count(true), 9);
    EXPECT_EQ(r.count(PaymentOutcome::Applied), 10);  // every replay reports the first result
    for (const auto& res : r.results) EXPECT_EQ(res.event_row_id, r.results.front().event_row_id);
    EXPECT_EQ(rowsOf("payment_events", a), 1);
    EXPECT_EQ(paidCents(bk), 10000);
}

TEST_F(WebhookRaceUnpaidBookingCommits, 10DifferentEventsForOneBookingExactlyOnePaysIt) {
    runConcurrently(10, [&](int i) {
        r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_d" + std::to_string(i), num(bk, "id"), 10000});
    });
    EXPECT_TRUE(r.tally.unexpected.empty());
    EXPECT_EQ(r.count(PaymentOutcome::Applied), 1);
    EXPECT_EQ(r.count(PaymentOutcome::AlreadyPaid), 9);
    EXPECT_EQ(r.count(true), 0);
    EXPECT_EQ(rowsOf("payment_events", a), 10);
    EXPECT_EQ(paidCents(bk), 10000);
}

TEST(WebhookRacesCommits, 10DeliveriesOfAnEventForAnUnknownBookingRecordedOnce) {
    const auto& a = testdb::context().tenants.tenantA.create();
    unpaidBooking(a);
    booking::BookingService service;
    Results r;
    runConcurrently(10, [&](int) { r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_u", 987654321, 10000}); });
    EXPECT_TRUE(r.tally.unexpected.empty());
    EXPECT_EQ(r.count(PaymentOutcome::UnknownBooking), 10);
    EXPECT_EQ(r.count(false), 1);
    EXPECT_EQ(rowsOf("payment_events", a), 1);
    EXPECT_EQ(rowsOf("bookings", a, "paid_at IS NOT NULL"), 0);
}

TEST_F(WebhookRaceTwoTenantsCommits, TenantsAAndBReceiveOneEventIdConcurrentlyOnceInEach) {
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
    EXPECT_TRUE(ra.tally.unexpected.empty());
    EXPECT_TRUE(rb.tally.unexpected.empty());
    EXPECT_EQ(ra.count(false), 1);
    EXPECT_EQ(rb.count(false), 1);
    EXPECT_EQ(rowsOf("payment_events", a), 1);
    EXPECT_EQ(rowsOf("payment_events", b), 1);
    EXPECT_EQ(paidCents(in_a), 10000);
    EXPECT_EQ(paidCents(in_b), 10000);
}

TEST_F(WebhookRaceWithPackageCommits, 10BookingsPaidConcurrentlyByTheirOwnEventsEachPaidOnce) {
    const auto rows = bookings.createMany(a, 10, {{"package_id", text(pkg, "id")}});
    booking::BookingService service;
    Results r;
    runConcurrently(10, [&](int i) {
        r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_b" + std::to_string(i), num(rows[static_cast<std::size_t>(i)], "id"), 10000});
    });
    EXPECT_TRUE(r.tally.unexpected.empty());
    EXPECT_EQ(r.count(PaymentOutcome::Applied), 10);
    EXPECT_EQ(rowsOf("bookings", a, "paid_cents = 10000 AND paid_at IS NOT NULL"), 10);
}

TEST_F(WebhookRaceUnpaidBookingCommits, ACancelRacingDeliveriesEveryDeliveryAgreesWithTheFirstVerdict) {
    std::atomic<bool> cancelled{false};
    runConcurrently(8, [&](int i) {
        if (i == 0) {
            cancelled = service.cancelBooking(byId(a), num(bk, "id")).status == booking::BookingStatus::Cancelled;
        } else {
            r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_c", num(bk, "id"), 10000});
        }
    });
    EXPECT_TRUE(cancelled);
    EXPECT_TRUE(r.tally.unexpected.empty());
    ASSERT_EQ(r.results.size(), 7u);
    const PaymentOutcome first = r.results.front().outcome;
    EXPECT_TRUE(first == PaymentOutcome::Applied || first == PaymentOutcome::BookingCancelled);
    EXPECT_EQ(r.count(first), 7);
    EXPECT_EQ(r.count(false), 1);
    // Paid exactly when the payment got in before the cancel.
    EXPECT_EQ(paidCents(bk), (first == PaymentOutcome::Applied ? 10000 : 0));
}

TEST_F(WebhookRaceUnpaidBookingCommits, TwoEventsDeliveredFiveTimesEachOnePaysOneIsAlreadyPaid) {
    runConcurrently(10, [&](int i) {
        r.deliver(service, byId(a), PaymentEvent{"stripe", i % 2 == 0 ? "evt_x" : "evt_y", num(bk, "id"), 10000});
    });
    EXPECT_TRUE(r.tally.unexpected.empty());
    EXPECT_EQ(r.count(false), 2);
    EXPECT_EQ(r.count(true), 8);
    EXPECT_EQ(r.count(PaymentOutcome::Applied), 5);
    EXPECT_EQ(r.count(PaymentOutcome::AlreadyPaid), 5);
    EXPECT_EQ(rowsOf("payment_events", a), 2);
    EXPECT_EQ(paidCents(bk), 10000);
}

TEST_F(WebhookRaceUnpaidBookingCommits, 20DeliveriesThroughAPoolOf3NoTimeoutOneProcessing) {
    const auto escaped = runConcurrently(20, [&](int) {
        r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_20", num(bk, "id"), 10000});
    });
    EXPECT_TRUE(escaped.empty());
    EXPECT_TRUE(r.tally.unexpected.empty());  // no PoolTimeout, no PoolDeadlock
    EXPECT_EQ(r.results.size(), 20u);
    EXPECT_EQ(r.count(false), 1);
    EXPECT_EQ(paidCents(bk), 10000);
    expectPoolSettled();
}

TEST(WebhookRacesCommits, FiveRoundsOfSixDeliveriesEachRoundProcessesItsEventOnce) {
    const auto& a = testdb::context().tenants.tenantA.create();
    booking::BookingService service;
    for (int round = 0; round < 5; ++round) {
        const auto bk = unpaidBooking(a);
        Results r;
        runConcurrently(6, [&](int) {
            r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_round" + std::to_string(round), num(bk, "id"), 10000});
        });
        SCOPED_TRACE("round " + std::to_string(round));
        EXPECT_TRUE(r.tally.unexpected.empty());
        EXPECT_EQ(r.count(false), 1);
        EXPECT_EQ(r.count(PaymentOutcome::Applied), 6);
        EXPECT_EQ(paidCents(bk), 10000);
    }
    EXPECT_EQ(rowsOf("payment_events", a), 5);
}

TEST_F(WebhookRaceUnpaidBookingCommits, RacingDeliveriesWithDifferentAmountsAllGetTheStoredFirstResult) {
    runConcurrently(10, [&](int i) {
        // Half carry the right amount, half a wrong one: whichever is stored first decides.
        r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_amt", num(bk, "id"), i % 2 == 0 ? 10000 : 9999});
    });
    EXPECT_TRUE(r.tally.unexpected.empty());
    ASSERT_EQ(r.results.size(), 10u);
    const auto& first = r.results.front();
    for (const auto& res : r.results) {
        EXPECT_EQ(res.outcome, first.outcome);
        EXPECT_EQ(res.amount_cents, first.amount_cents);
    }
    EXPECT_EQ(r.count(false), 1);
    const bool applied = first.amount_cents == 10000;
    EXPECT_EQ(first.outcome, (applied ? PaymentOutcome::Applied : PaymentOutcome::AmountMismatch));
    EXPECT_EQ(paidCents(bk), (applied ? 10000 : 0));
}

TEST_F(WebhookRaceUnpaidBookingCommits, MalformedDeliveriesRacingValidOnesAreRefusedAndChangeNothing) {
    runConcurrently(10, [&](int i) {
        const bool bad = i % 3 == 0;  // threads 0, 3, 6, 9
        r.deliver(service, byId(a), PaymentEvent{"stripe", "evt_v", num(bk, "id"), bad ? -1 : 10000});
    });
    EXPECT_TRUE(r.tally.unexpected.empty());
    EXPECT_EQ(r.tally.refused, 4);
    EXPECT_EQ(r.tally.succeeded, 6);
    EXPECT_EQ(r.count(false), 1);
    EXPECT_EQ(rowsOf("payment_events", a), 1);
    EXPECT_EQ(paidCents(bk), 10000);
}

TEST_F(WebhookRaceUnpaidBookingCommits, DeliveriesNamingTheTenantBySlugAndByIdAreOneTenantsEvent) {
    runConcurrently(10, [&](int i) {
        r.deliver(service, i % 2 == 0 ? bySlug(a) : byId(a), PaymentEvent{"stripe", "evt_ref", num(bk, "id"), 10000});
    });
    EXPECT_TRUE(r.tally.unexpected.empty());
    EXPECT_EQ(r.count(false), 1);
    EXPECT_EQ(r.count(true), 9);
    EXPECT_EQ(rowsOf("payment_events", a), 1);
    EXPECT_EQ(paidCents(bk), 10000);
}

TEST(WebhookRacesCommits, BookThenPayPipelinesOn8ThreadsEveryBookingPaidExactlyOnce) {
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
    EXPECT_TRUE(r.tally.unexpected.empty());
    EXPECT_EQ(r.results.size(), 16u);
    EXPECT_EQ(r.count(false), 8);
    EXPECT_EQ(r.count(PaymentOutcome::Applied), 16);
    EXPECT_EQ(rowsOf("bookings", a, "paid_cents = 4000"), 8);
    EXPECT_EQ(rowsOf("payment_events", a), 8);
}

TEST_F(WebhookRaceTwoTenantsCommits, ConcurrentDeliveriesToAAndBEachTenantListsOnlyItsOwnEvents) {
    booking::BookingService service;
    Results r;
    runConcurrently(12, [&](int i) {
        const bool to_a = i % 2 == 0;
        r.deliver(service, byId(to_a ? a : b),
                  PaymentEvent{"stripe", (to_a ? "a_evt_" : "b_evt_") + std::to_string(i / 4), num(to_a ? in_a : in_b, "id"), 10000});
    });
    EXPECT_TRUE(r.tally.unexpected.empty());
    const auto listed = [&](const testdb::Tenant& t) {
        const auto id = idOf(t);
        return testdb::withTransaction([&](testdb::Transaction& tx) { return booking::WebhookRepository().list(tx, id); });
    };
    const auto of_a = listed(a);
    const auto of_b = listed(b);
    EXPECT_EQ(of_a.size(), 3u);
    EXPECT_EQ(of_b.size(), 3u);
    for (const auto& e : of_a) EXPECT_EQ(e.event_id.rfind("a_evt_", 0), 0u);
    for (const auto& e : of_b) EXPECT_EQ(e.event_id.rfind("b_evt_", 0), 0u);
    EXPECT_EQ(paidCents(in_a), 10000);
    EXPECT_EQ(paidCents(in_b), 10000);
    expectPoolSettled();
}

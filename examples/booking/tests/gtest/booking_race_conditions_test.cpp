// GoogleTest port of ../booking_race_conditions_test.cpp (the same tests, as GoogleTest tests).
// Racing bookings: real threads compete for one date through one shared pool
// of 3 connections. The partial unique index decides every race; the tests
// assert who won and what is stored, never how long anything took. Each
// racer takes a lease per call and gives it back before the next one.
#include <set>

#include "support.hpp"

using namespace booking_test;
using booking::BookingStatus;

TEST_F(BookingRaceWithPackageCommits, 10ThreadsBookOneDateExactlyOneWins9GetDateUnavailable) {
    booking::BookingService service;
    Tally tally;
    const auto escaped = runConcurrently(10, [&](int) {
        tryBook(service, byId(a), request(text(pkg, "slug"), "2031-10-01"), tally);
    });
    EXPECT_TRUE(escaped.empty());
    EXPECT_TRUE(tally.unexpected.empty());
    EXPECT_EQ(tally.succeeded, 1);
    EXPECT_EQ(tally.refused, 9);
    EXPECT_EQ(confirmedOn(a, "2031-10-01"), 1);
    EXPECT_EQ(rowsOf("bookings", a), 1);
}

TEST_F(BookingRaceWithPackageCommits, 10ThreadsBook10DifferentDatesNobodyIsRefused) {
    booking::BookingService service;
    Tally tally;
    runConcurrently(10, [&](int i) {
        tryBook(service, byId(a), request(text(pkg, "slug"), "2031-10-" + std::to_string(10 + i)), tally);
    });
    EXPECT_TRUE(tally.unexpected.empty());
    EXPECT_EQ(tally.succeeded, 10);
    EXPECT_EQ(tally.refused, 0);
    EXPECT_EQ(rowsOf("bookings", a, "status = 'confirmed'"), 10);
}

TEST_F(BookingRaceTwoTenantsCommits, TenantsAAndBRaceForTheSameDateOneWinnerInEach) {
    booking::BookingService service;
    Tally in_a;
    Tally in_b;
    runConcurrently(10, [&](int i) {
        if (i % 2 == 0) {
            tryBook(service, byId(a), request(text(pa, "slug"), "2031-10-02"), in_a);
        } else {
            tryBook(service, byId(b), request(text(pb, "slug"), "2031-10-02"), in_b);
        }
    });
    EXPECT_TRUE(in_a.unexpected.empty());
    EXPECT_TRUE(in_b.unexpected.empty());
    EXPECT_EQ(in_a.succeeded, 1);
    EXPECT_EQ(in_a.refused, 4);
    EXPECT_EQ(in_b.succeeded, 1);
    EXPECT_EQ(in_b.refused, 4);
    EXPECT_EQ(confirmedOn(a, "2031-10-02"), 1);
    EXPECT_EQ(confirmedOn(b, "2031-10-02"), 1);
}

TEST_F(BookingRaceWithPackageCommits, ACancelRacing9BookersAtMostOneRebooksAndTheBooksBalance) {
    booking::BookingService service;
    const auto original = service.book(byId(a), request(text(pkg, "slug"), "2031-10-03"));
    Tally tally;
    std::atomic<bool> cancelled{false};
    runConcurrently(10, [&](int i) {
        if (i == 0) {
            cancelled = service.cancelBooking(byId(a), original.id).status == BookingStatus::Cancelled;
        } else {
            tryBook(service, byId(a), request(text(pkg, "slug"), "2031-10-03"), tally);
        }
    });
    EXPECT_TRUE(cancelled);
    EXPECT_TRUE(tally.unexpected.empty());
    EXPECT_LE(tally.succeeded, 1);
    EXPECT_EQ(tally.succeeded + tally.refused, 9);
    // Whoever ran after the cancel committed found the date free; at most one got it.
    EXPECT_EQ(confirmedOn(a, "2031-10-03"), tally.succeeded);
    const bool free_now = testdb::withTransaction([&](testdb::Transaction& tx) {
        return booking::BookingRepository().isDateAvailable(tx, idOf(a), "2031-10-03");
    });
    EXPECT_EQ(free_now, (tally.succeeded == 0));
}

TEST_F(BookingRaceWithPackageCommits, 20ThreadsOn4DatesThroughAPoolOf3OneWinnerPerDate) {
    booking::BookingService service;
    Tally tally;
    const auto escaped = runConcurrently(20, [&](int i) {
        tryBook(service, byId(a), request(text(pkg, "slug"), "2031-11-0" + std::to_string(1 + i % 4)), tally);
    });
    EXPECT_TRUE(escaped.empty());
    EXPECT_TRUE(tally.unexpected.empty());  // no PoolTimeout, no PoolDeadlock
    EXPECT_EQ(tally.succeeded, 4);
    EXPECT_EQ(tally.refused, 16);
    for (int d = 1; d <= 4; ++d) {
        EXPECT_EQ(confirmedOn(a, "2031-11-0" + std::to_string(d)), 1);
    }
    expectPoolSettled();
}

TEST_F(BookingRaceWithPackageCommits, FiveRoundsOfSixRacersEveryRoundHasExactlyOneWinner) {
    booking::BookingService service;
    for (int round = 0; round < 5; ++round) {
        const std::string date = "2031-12-1" + std::to_string(round);
        Tally tally;
        runConcurrently(6, [&](int) { tryBook(service, byId(a), request(text(pkg, "slug"), date), tally); });
        SCOPED_TRACE("round " + std::to_string(round));
        EXPECT_TRUE(tally.unexpected.empty());
        EXPECT_EQ(tally.succeeded, 1);
        EXPECT_EQ(tally.refused, 5);
    }
    EXPECT_EQ(rowsOf("bookings", a), 5);
}

TEST_F(BookingRaceWithPackageCommits, 10ThreadsCancelOneBookingAllSucceedItIsCancelledOnce) {
    const auto row = bookings.create(a, {{"package_id", text(pkg, "id")}, {"booking_date", std::string("2031-10-04")}});
    booking::BookingService service;
    std::atomic<int> saw_cancelled{0};
    Tally tally;
    runConcurrently(10, [&](int) {
        try {
            if (service.cancelBooking(byId(a), num(row, "id")).status == BookingStatus::Cancelled) {
                ++saw_cancelled;
            }
        } catch (const std::exception& e) {
            tally.other(e.what());
        }
    });
    EXPECT_TRUE(tally.unexpected.empty());
    EXPECT_EQ(saw_cancelled, 10);
    EXPECT_EQ(rowsOf("bookings", a), 1);
    EXPECT_EQ(confirmedOn(a, "2031-10-04"), 0);
}

TEST(BookingRacesCommits, LosersOfARaceWithAddOnsLeaveNoRowsBehind) {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto pkg = packages.create(a, {{"price_cents", std::string("10000")}});
    const auto extras = addons.createMany(a, 2, {{"package_id", text(pkg, "id")}, {"price_cents", std::string("500")}});
    booking::BookingService service;
    Tally tally;
    std::vector<long long> ids;
    std::mutex ids_mutex;
    runConcurrently(10, [&](int) {
        tryBook(service, byId(a), request(text(pkg, "slug"), "2031-10-05", {text(extras[0], "slug"), text(extras[1], "slug")}),
                tally, &ids, &ids_mutex);
    });
    EXPECT_TRUE(tally.unexpected.empty());
    ASSERT_EQ(ids.size(), 1u);
    EXPECT_EQ(rowsOf("bookings", a), 1);
    EXPECT_EQ(rowsOf("booking_addons", a), 2);
    EXPECT_EQ(rowsOf("booking_addons", a, "booking_id = " + std::to_string(ids.front())), 2);
    EXPECT_EQ(scalar("SELECT total_cents FROM bookings WHERE id = " + std::to_string(ids.front())), 11000);
}

TEST_F(BookingRaceTwoTenantsCommits, EveryRacerReturnsItsLeaseThePoolIsIdleAndNeverExceeded3) {
    const auto rolled_back_before = testdb::getTestDb().pool().stats().rolled_back;
    booking::BookingService service;
    Tally tally;
    runConcurrently(12, [&](int i) {
        const auto& who = i % 2 == 0 ? a : b;
        const auto& pkg = i % 2 == 0 ? pa : pb;
        tryBook(service, byId(who), request(text(pkg, "slug"), "2031-10-06"), tally);
        service.listBookings(byId(who));  // a second lease, taken after the first came back
    });
    EXPECT_TRUE(tally.unexpected.empty());
    EXPECT_EQ(tally.succeeded, 2);
    expectPoolSettled();
    // Failed racers were rolled back by withTransaction, not by the pool.
    EXPECT_EQ(testdb::getTestDb().pool().stats().rolled_back, rolled_back_before);
}

TEST(BookingRacesCommits, BookingsRacingAPriceChangeAreChargedTheOldOrTheNewPrice) {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto pkg = packages.create(a, {{"price_cents", std::string("1000")}});
    booking::BookingService service;
    Tally tally;
    std::vector<long long> ids;
    std::mutex ids_mutex;
    runConcurrently(9, [&](int i) {
        if (i == 0) {
            service.updatePackagePrice(byId(a), text(pkg, "slug"), 2000);
        } else {
            tryBook(service, byId(a), request(text(pkg, "slug"), "2031-10-2" + std::to_string(i)), tally, &ids, &ids_mutex);
        }
    });
    EXPECT_TRUE(tally.unexpected.empty());
    ASSERT_EQ(ids.size(), 8u);
    for (long long id : ids) {
        const long long total = scalar("SELECT total_cents FROM bookings WHERE id = " + std::to_string(id));
        EXPECT_TRUE(total == 1000 || total == 2000);
    }
    EXPECT_EQ(scalar("SELECT price_cents FROM catalog_packages WHERE id = " + text(pkg, "id")), 2000);
}

TEST_F(BookingRaceWithPackageCommits, RacersNamingTheTenantBySlugAndByIdContendForOneDate) {
    booking::BookingService service;
    Tally tally;
    runConcurrently(10, [&](int i) {
        tryBook(service, i % 2 == 0 ? bySlug(a) : byId(a), request(text(pkg, "slug"), "2031-10-07"), tally);
    });
    EXPECT_TRUE(tally.unexpected.empty());
    EXPECT_EQ(tally.succeeded, 1);
    EXPECT_EQ(tally.refused, 9);
    EXPECT_EQ(confirmedOn(a, "2031-10-07"), 1);
}

TEST_F(BookingRaceWithPackageCommits, ARacerThatRollsBackAfterBookingNeverKeepsTheDate) {
    const auto tenant = idOf(a);
    booking::BookingService service;
    Tally tally;
    std::atomic<int> rolled_back{0};
    runConcurrently(10, [&](int i) {
        if (i != 0) {
            tryBook(service, byId(a), request(text(pkg, "slug"), "2031-10-08"), tally);
            return;
        }
        try {
            testdb::withTransaction([&](testdb::Transaction& tx) {
                booking::BookingRepository().create(tx, tenant, request(text(pkg, "slug"), "2031-10-08"));
                throw std::runtime_error("payment provider down");  // abandon the booking
            });
        } catch (const booking::DateUnavailable&) {
            ++rolled_back;  // lost the race before it could abandon anything
        } catch (const std::runtime_error&) {
            ++rolled_back;
        }
    });
    EXPECT_EQ(rolled_back, 1);
    EXPECT_TRUE(tally.unexpected.empty());
    // Whether the abandoned insert came first or last, exactly one of the
    // nine others holds the date.
    EXPECT_EQ(tally.succeeded, 1);
    EXPECT_EQ(tally.refused, 8);
    EXPECT_EQ(rowsOf("bookings", a), 1);
}

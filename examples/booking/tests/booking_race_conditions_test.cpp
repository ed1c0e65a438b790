// Racing bookings: real threads compete for one date through one shared pool
// of 3 connections. The partial unique index decides every race; the tests
// assert who won and what is stored, never how long anything took. Each
// racer takes a lease per call and gives it back before the next one.
#include <set>

#include "support.hpp"

using namespace booking_test;
using booking::BookingStatus;

TEST_CASE_METHOD(TenantWithPackage, "10 threads book one date: exactly one wins, 9 get DateUnavailable", "[race][commits][bookings]") {
    booking::BookingService service;
    Tally tally;
    const auto escaped = runConcurrently(10, [&](int) {
        tryBook(service, byId(a), request(text(pkg, "slug"), "2031-10-01"), tally);
    });
    CHECK(escaped.empty());
    CHECK(tally.unexpected.empty());
    CHECK(tally.succeeded == 1);
    CHECK(tally.refused == 9);
    CHECK(confirmedOn(a, "2031-10-01") == 1);
    CHECK(rowsOf("bookings", a) == 1);
}

TEST_CASE_METHOD(TenantWithPackage, "10 threads book 10 different dates: nobody is refused", "[race][commits][bookings]") {
    booking::BookingService service;
    Tally tally;
    runConcurrently(10, [&](int i) {
        tryBook(service, byId(a), request(text(pkg, "slug"), "2031-10-" + std::to_string(10 + i)), tally);
    });
    CHECK(tally.unexpected.empty());
    CHECK(tally.succeeded == 10);
    CHECK(tally.refused == 0);
    CHECK(rowsOf("bookings", a, "status = 'confirmed'") == 10);
}

TEST_CASE_METHOD(TwoTenantsWithPackages, "tenants A and B race for the same date: one winner in each", "[race][commits][bookings][isolation]") {
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
    CHECK(in_a.unexpected.empty());
    CHECK(in_b.unexpected.empty());
    CHECK(in_a.succeeded == 1);
    CHECK(in_a.refused == 4);
    CHECK(in_b.succeeded == 1);
    CHECK(in_b.refused == 4);
    CHECK(confirmedOn(a, "2031-10-02") == 1);
    CHECK(confirmedOn(b, "2031-10-02") == 1);
}

TEST_CASE_METHOD(TenantWithPackage, "a cancel racing 9 bookers: at most one rebooks, and the books balance", "[race][commits][bookings]") {
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
    CHECK(cancelled);
    CHECK(tally.unexpected.empty());
    CHECK(tally.succeeded <= 1);
    CHECK(tally.succeeded + tally.refused == 9);
    // Whoever ran after the cancel committed found the date free; at most one got it.
    CHECK(confirmedOn(a, "2031-10-03") == tally.succeeded);
    const bool free_now = testdb::withTransaction([&](testdb::Transaction& tx) {
        return booking::BookingRepository().isDateAvailable(tx, idOf(a), "2031-10-03");
    });
    CHECK(free_now == (tally.succeeded == 0));
}

TEST_CASE_METHOD(TenantWithPackage, "20 threads on 4 dates through a pool of 3: one winner per date", "[race][commits][bookings][pool]") {
    booking::BookingService service;
    Tally tally;
    const auto escaped = runConcurrently(20, [&](int i) {
        tryBook(service, byId(a), request(text(pkg, "slug"), "2031-11-0" + std::to_string(1 + i % 4)), tally);
    });
    CHECK(escaped.empty());
    CHECK(tally.unexpected.empty());  // no PoolTimeout, no PoolDeadlock
    CHECK(tally.succeeded == 4);
    CHECK(tally.refused == 16);
    for (int d = 1; d <= 4; ++d) {
        CHECK(confirmedOn(a, "2031-11-0" + std::to_string(d)) == 1);
    }
    checkPoolSettled();
}

TEST_CASE_METHOD(TenantWithPackage, "five rounds of six racers: every round has exactly one winner", "[race][commits][bookings]") {
    booking::BookingService service;
    for (int round = 0; round < 5; ++round) {
        const std::string date = "2031-12-1" + std::to_string(round);
        Tally tally;
        runConcurrently(6, [&](int) { tryBook(service, byId(a), request(text(pkg, "slug"), date), tally); });
        INFO("round " << round);
        CHECK(tally.unexpected.empty());
        CHECK(tally.succeeded == 1);
        CHECK(tally.refused == 5);
    }
    CHECK(rowsOf("bookings", a) == 5);
}

TEST_CASE_METHOD(TenantWithPackage, "10 threads cancel one booking: all succeed, it is cancelled once", "[race][commits][bookings]") {
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
    CHECK(tally.unexpected.empty());
    CHECK(saw_cancelled == 10);
    CHECK(rowsOf("bookings", a) == 1);
    CHECK(confirmedOn(a, "2031-10-04") == 0);
}

TEST_CASE("losers of a race with add-ons leave no rows behind", "[race][commits][bookings]") {
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
    CHECK(tally.unexpected.empty());
    REQUIRE(ids.size() == 1);
    CHECK(rowsOf("bookings", a) == 1);
    CHECK(rowsOf("booking_addons", a) == 2);
    CHECK(rowsOf("booking_addons", a, "booking_id = " + std::to_string(ids.front())) == 2);
    CHECK(scalar("SELECT total_cents FROM bookings WHERE id = " + std::to_string(ids.front())) == 11000);
}

TEST_CASE_METHOD(TwoTenantsWithPackages, "every racer returns its lease: the pool is idle and never exceeded 3", "[race][commits][bookings][pool]") {
    const auto rolled_back_before = testdb::getTestDb().pool().stats().rolled_back;
    booking::BookingService service;
    Tally tally;
    runConcurrently(12, [&](int i) {
        const auto& who = i % 2 == 0 ? a : b;
        const auto& pkg = i % 2 == 0 ? pa : pb;
        tryBook(service, byId(who), request(text(pkg, "slug"), "2031-10-06"), tally);
        service.listBookings(byId(who));  // a second lease, taken after the first came back
    });
    CHECK(tally.unexpected.empty());
    CHECK(tally.succeeded == 2);
    checkPoolSettled();
    // Failed racers were rolled back by withTransaction, not by the pool.
    CHECK(testdb::getTestDb().pool().stats().rolled_back == rolled_back_before);
}

TEST_CASE("bookings racing a price change are charged the old or the new price", "[race][commits][bookings]") {
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
    CHECK(tally.unexpected.empty());
    REQUIRE(ids.size() == 8);
    for (long long id : ids) {
        const long long total = scalar("SELECT total_cents FROM bookings WHERE id = " + std::to_string(id));
        CHECK((total == 1000 || total == 2000));
    }
    CHECK(scalar("SELECT price_cents FROM catalog_packages WHERE id = " + text(pkg, "id")) == 2000);
}

TEST_CASE_METHOD(TenantWithPackage, "racers naming the tenant by slug and by id contend for one date", "[race][commits][bookings][tenant-ref]") {
    booking::BookingService service;
    Tally tally;
    runConcurrently(10, [&](int i) {
        tryBook(service, i % 2 == 0 ? bySlug(a) : byId(a), request(text(pkg, "slug"), "2031-10-07"), tally);
    });
    CHECK(tally.unexpected.empty());
    CHECK(tally.succeeded == 1);
    CHECK(tally.refused == 9);
    CHECK(confirmedOn(a, "2031-10-07") == 1);
}

TEST_CASE_METHOD(TenantWithPackage, "a racer that rolls back after booking never keeps the date", "[race][commits][bookings]") {
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
    CHECK(rolled_back == 1);
    CHECK(tally.unexpected.empty());
    // Whether the abandoned insert came first or last, exactly one of the
    // nine others holds the date.
    CHECK(tally.succeeded == 1);
    CHECK(tally.refused == 8);
    CHECK(rowsOf("bookings", a) == 1);
}

// The booking suites' factories, read helpers, fixtures and the
// start-gated thread runner for the race tests, free of any test framework:
// support.hpp (Catch2) and gtest/support.hpp (GoogleTest) add the checks.
//
// Nothing here deletes rows: testdb's adapter cleans each file's tenants up
// after every test case.
#pragma once

#include <atomic>
#include <cstdio>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "booking/booking.hpp"
#include "testdb/context.hpp"
#include "testdb/factory.hpp"
#include "testdb/testdb.hpp"

namespace booking_test {

/// ISO date `days` days after 2040-01-01 (civil-from-days, proleptic
/// Gregorian), so factory rows get distinct dates without a clock. Tests
/// pick their own dates in 2031, so the two never meet.
inline std::string dateAfterEpoch(long long days) {
    long long z = days + 25567 + 719468;  // 2040-01-01 is day 25567 since 1970-01-01
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const long long doe = z - era * 146097;
    const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long long mp = (5 * doy + 2) / 153;
    const long long d = doy - (153 * mp + 2) / 5 + 1;
    const long long m = mp < 10 ? mp + 3 : mp - 9;
    const long long y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    char text[64];  // room for any long long, so no truncation is possible
    std::snprintf(text, sizeof text, "%04lld-%02lld-%02lld", y, m, d);
    return text;
}

/// Packages: slug `<file-slug>-package-<n>`, price 100.00.
inline const testdb::Factory packages =
    testdb::Factory("catalog_packages", "package")
        .slugColumn("slug")
        .column("name", [](const testdb::RowSeed& s) -> std::optional<std::string> {
            return "Package " + std::to_string(s.n);
        })
        .column("price_cents", "10000");

/// Add-ons: give `package_id` as an override; price 15.00.
inline const testdb::Factory addons =
    testdb::Factory("catalog_addons", "addon")
        .slugColumn("slug")
        .column("name", [](const testdb::RowSeed& s) -> std::optional<std::string> {
            return "Add-on " + std::to_string(s.n);
        })
        .column("price_cents", "1500");

/// Confirmed bookings, each on its own date: give `package_id`.
inline const testdb::Factory bookings =
    testdb::Factory("bookings", "booking")
        .column("booking_date",
                [](const testdb::RowSeed& s) -> std::optional<std::string> {
                    return dateAfterEpoch(s.n);
                })
        .column("customer_email",
                [](const testdb::RowSeed& s) -> std::optional<std::string> {
                    return s.slug + "@example.test";
                })
        .column("total_cents", "10000");

/// Stored payment events (earlier deliveries): give `requested_booking_id`
/// (and `booking_id` when known). Event ids are the row's unique slug.
inline const testdb::Factory paymentEvents = testdb::Factory("payment_events", "event")
                                                 .column("provider", "stripe")
                                                 .slugColumn("event_id")
                                                 .column("amount_cents", "10000")
                                                 .column("outcome", "applied");

/// The tenant's key as the booking library's type. (Not Tenant::idAs<>():
/// it calls the one-argument pqxx::from_string<T>(), which libpqxx 6.4 lacks.)
inline booking::TenantId idOf(const testdb::Tenant& tenant) {
    return booking::TenantId{std::stoll(tenant.id())};
}
/// A TenantRef naming `tenant` by id.
inline booking::TenantRef byId(const testdb::Tenant& tenant) {
    return booking::TenantRef::byId(idOf(tenant));
}
/// A TenantRef naming `tenant` by slug.
inline booking::TenantRef bySlug(const testdb::Tenant& tenant) {
    return booking::TenantRef::bySlug(tenant.slug());
}

/// A column of a factory row as a number.
inline long long num(const testdb::Row& row, const std::string& column) {
    return std::stoll(row.at(column).value());
}
/// A column of a factory row as text.
inline std::string text(const testdb::Row& row, const std::string& column) {
    return row.at(column).value();
}

/// Runs fn(testdb::Transaction&) in one short transaction on a leased connection.
template <typename Fn>
auto inTx(Fn&& fn) {
    return testdb::withTransaction(std::forward<Fn>(fn));
}

/// The slugs of some packages, in order.
inline std::vector<std::string> slugsOf(const std::vector<booking::Package>& list) {
    std::vector<std::string> slugs;
    for (const auto& p : list) slugs.push_back(p.slug);
    return slugs;
}

/// One value from one query, in its own short transaction.
inline long long scalar(const std::string& sql) {
    return testdb::withTransaction(
        [&](testdb::Transaction& tx) { return testdb::queryRow(tx, sql)[0].as<long long>(); });
}
/// Rows of `table` that belong to `tenant` (the table needs tenant_id).
inline long long rowsOf(const std::string& table, const testdb::Tenant& tenant,
                        const std::string& where = "true") {
    return scalar("SELECT count(*) FROM " + table + " WHERE tenant_id = " + tenant.id() +
                  " AND (" + where + ")");
}

/// A booking request for the package `package_slug` on `date`.
inline booking::BookingRequest request(const std::string& package_slug, const std::string& date,
                                       std::vector<std::string> addon_slugs = {}) {
    return booking::BookingRequest{package_slug, date, "guest@example.test", std::move(addon_slugs)};
}

/// Runs body(0..n-1) on n threads released together by a start gate, and
/// joins them. Catch2 v2 assertions are not thread-safe, so bodies record
/// outcomes and the test asserts after this returns (in every framework). Exceptions a body lets
/// escape are returned as messages (the test should expect none).
inline std::vector<std::string> runConcurrently(int n, const std::function<void(int)>& body) {
    std::mutex mutex;
    std::condition_variable gate;
    bool open = false;
    int ready = 0;
    std::vector<std::string> escaped;
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
            {
                std::unique_lock<std::mutex> lock(mutex);
                ++ready;
                gate.notify_all();
                gate.wait(lock, [&] { return open; });
            }
            try {
                body(i);
            } catch (const std::exception& e) {
                std::lock_guard<std::mutex> lock(mutex);
                escaped.emplace_back(e.what());
            }
        });
    }
    {
        std::unique_lock<std::mutex> lock(mutex);
        gate.wait(lock, [&] { return ready == n; });
        open = true;
    }
    gate.notify_all();
    for (std::thread& t : threads) {
        t.join();
    }
    return escaped;
}

/// Counts what racing threads got back, by kind.
struct Tally {
    std::atomic<int> succeeded{0};  ///< the call returned
    std::atomic<int> refused{0};    ///< the expected typed refusal
    std::mutex mutex;
    std::vector<std::string> unexpected;  ///< anything else, with its message

    /// Records an unexpected exception.
    void other(const std::string& what) {
        std::lock_guard<std::mutex> lock(mutex);
        unexpected.push_back(what);
    }
};

/// A booking of `tenant` (its own package), confirmed and unpaid: what a
/// payment webhook pays.
inline testdb::Row unpaidBooking(const testdb::Tenant& tenant, const std::string& total = "10000") {
    const auto pkg = packages.create(tenant);
    return bookings.create(tenant, {{"package_id", text(pkg, "id")}, {"total_cents", total}});
}

/// What a booking has been paid so far.
inline long long paidCents(const testdb::Row& booking) {
    return scalar("SELECT paid_cents FROM bookings WHERE id = " + text(booking, "id"));
}

// Fixtures (TEST_CASE_METHOD) for the arrange steps many test cases share.
// Members are created when the test case starts, inside its isolation.

/// Tenant A of this file with one package.
struct TenantWithPackage {
    const testdb::Tenant& a = testdb::context().tenants.tenantA.create();
    const testdb::Row pkg = packages.create(a);
};

/// Tenants A and B of this file, each with one package: the start of the
/// tests that check one tenant never sees the other's data.
struct TwoTenantsWithPackages {
    const testdb::Tenant& a = testdb::context().tenants.tenantA.create();
    const testdb::Tenant& b = testdb::context().tenants.tenantB.create();
    const testdb::Row pa = packages.create(a);
    const testdb::Row pb = packages.create(b);
};

/// Tenants A and B, each with one unpaid booking.
struct TwoUnpaidBookings {
    const testdb::Tenant& a = testdb::context().tenants.tenantA.create();
    const testdb::Tenant& b = testdb::context().tenants.tenantB.create();
    const testdb::Row in_a = unpaidBooking(a);
    const testdb::Row in_b = unpaidBooking(b);
};


// Helpers of the booking repository and race files (shared by their
// Catch2 and GoogleTest versions).

/// The repository the booking repository tests call.
inline const booking::BookingRepository repo{};

/// Books `req` for `tenant` in one short transaction.
inline booking::Booking bookFor(const testdb::Tenant& tenant, const booking::BookingRequest& req) {
    const auto id = idOf(tenant);
    return inTx([&](testdb::Transaction& tx) { return repo.create(tx, id, req); });
}

// Books once and records the result: success, DateUnavailable, or other.
inline void tryBook(booking::BookingService& service, const booking::TenantRef& ref,
             const booking::BookingRequest& req, Tally& tally, std::vector<long long>* ids = nullptr,
             std::mutex* ids_mutex = nullptr) {
    try {
        const auto made = service.book(ref, req);
        ++tally.succeeded;
        if (ids != nullptr) {
            std::lock_guard<std::mutex> lock(*ids_mutex);
            ids->push_back(made.id);
        }
    } catch (const booking::DateUnavailable&) {
        ++tally.refused;
    } catch (const std::exception& e) {
        tally.other(e.what());
    }
}

/// Confirmed bookings of `tenant` on `date`.
inline long long confirmedOn(const testdb::Tenant& tenant, const std::string& date) {
    return rowsOf("bookings", tenant, "status = 'confirmed' AND booking_date = '" + date + "'");
}

// What the racing deliveries got back.
struct Results {
    std::mutex mutex;
    std::vector<booking::WebhookResult> results;
    Tally tally;  // succeeded / refused (InvalidInput) / unexpected

    void deliver(booking::BookingService& service, const booking::TenantRef& ref, const booking::PaymentEvent& e) {
        try {
            auto r = service.handlePaymentWebhook(ref, e);
            ++tally.succeeded;
            std::lock_guard<std::mutex> lock(mutex);
            results.push_back(r);
        } catch (const booking::InvalidInput&) {
            ++tally.refused;
        } catch (const std::exception& ex) {
            tally.other(ex.what());
        }
    }
    int count(bool replayed) const {
        int n = 0;
        for (const auto& r : results) n += r.replayed == replayed ? 1 : 0;
        return n;
    }
    int count(booking::PaymentOutcome outcome) const {
        int n = 0;
        for (const auto& r : results) n += r.outcome == outcome ? 1 : 0;
        return n;
    }
};

// The start of most races here: tenant A, one unpaid booking of it, the
// service, and a collector for what the deliveries get back.
struct UnpaidBookingRace {
    const testdb::Tenant& a = testdb::context().tenants.tenantA.create();
    const testdb::Row bk = unpaidBooking(a);
    booking::BookingService service;
    Results r;
};

}  // namespace booking_test

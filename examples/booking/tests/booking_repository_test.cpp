// BookingRepository against real PostgreSQL: one confirmed booking per
// tenant and date (decided by the database), cancellation frees the date,
// prices include add-ons, and tenants never see each other's bookings.
#include <algorithm>

#include "support.hpp"

using namespace booking_test;
using booking::BookingRepository;
using booking::BookingStatus;

TEST_CASE("booking a free date confirms it at the package's price", "[bookings]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto pkg = packages.create(a, {{"price_cents", std::string("25000")}});
    const auto made = bookFor(a, request(text(pkg, "slug"), "2031-06-01"));
    CHECK(made.id > 0);
    CHECK(made.tenant == idOf(a));
    CHECK(made.package_id == num(pkg, "id"));
    CHECK(made.date == "2031-06-01");
    CHECK(made.status == BookingStatus::Confirmed);
    CHECK(made.total_cents == 25000);
    CHECK(made.paid_cents == 0);
    CHECK_FALSE(made.paid);
    CHECK(made.addon_ids.empty());
    CHECK(rowsOf("bookings", a) == 1);
}

TEST_CASE("the total includes the chosen add-ons at their current prices", "[bookings]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto pkg = packages.create(a, {{"price_cents", std::string("10000")}});
    const auto x = addons.create(a, {{"package_id", text(pkg, "id")}, {"price_cents", std::string("1500")}});
    const auto y = addons.create(a, {{"package_id", text(pkg, "id")}, {"price_cents", std::string("700")}});
    addons.create(a, {{"package_id", text(pkg, "id")}});  // not chosen
    const auto made = bookFor(a, request(text(pkg, "slug"), "2031-06-02", {text(y, "slug"), text(x, "slug")}));
    CHECK(made.total_cents == 12200);
    std::vector<long long> expected{num(x, "id"), num(y, "id")};
    std::sort(expected.begin(), expected.end());
    CHECK(made.addon_ids == expected);
    CHECK(rowsOf("booking_addons", a) == 2);
}

TEST_CASE_METHOD(TenantWithPackage, "a second booking for a taken date is DateUnavailable", "[bookings]") {
    const auto first = bookFor(a, request(text(pkg, "slug"), "2031-06-03"));
    try {
        bookFor(a, request(text(pkg, "slug"), "2031-06-03"));
        FAIL("the date was booked twice");
    } catch (const booking::DateUnavailable& e) {
        CHECK(e.date() == "2031-06-03");
    }
    CHECK(rowsOf("bookings", a) == 1);
    const auto still = inTx([&](testdb::Transaction& tx) { return repo.find(tx, idOf(a), first.id); });
    REQUIRE(still);
    CHECK(still->status == BookingStatus::Confirmed);
}

TEST_CASE_METHOD(TwoTenantsWithPackages, "a date taken in tenant A is still free in tenant B", "[bookings][isolation]") {
    bookFor(a, request(text(pa, "slug"), "2031-06-04"));
    CHECK_FALSE(inTx([&](testdb::Transaction& tx) { return repo.isDateAvailable(tx, idOf(a), "2031-06-04"); }));
    CHECK(inTx([&](testdb::Transaction& tx) { return repo.isDateAvailable(tx, idOf(b), "2031-06-04"); }));
    const auto in_b = bookFor(b, request(text(pb, "slug"), "2031-06-04"));
    CHECK(in_b.tenant == idOf(b));
    CHECK(rowsOf("bookings", a) == 1);
    CHECK(rowsOf("bookings", b) == 1);
}

TEST_CASE_METHOD(TenantWithPackage, "cancelling frees the date for a new booking", "[bookings]") {
    const auto first = bookFor(a, request(text(pkg, "slug"), "2031-06-05"));
    const auto cancelled = inTx([&](testdb::Transaction& tx) { return repo.cancel(tx, idOf(a), first.id); });
    CHECK(cancelled.status == BookingStatus::Cancelled);
    CHECK(inTx([&](testdb::Transaction& tx) { return repo.isDateAvailable(tx, idOf(a), "2031-06-05"); }));
    const auto second = bookFor(a, request(text(pkg, "slug"), "2031-06-05"));
    CHECK(second.id != first.id);
    const auto all = inTx([&](testdb::Transaction& tx) { return repo.list(tx, idOf(a)); });
    REQUIRE(all.size() == 2);
    CHECK(all[0].status == BookingStatus::Cancelled);
    CHECK(all[1].status == BookingStatus::Confirmed);
}

TEST_CASE("cancel is idempotent, and unknown or foreign bookings are NotFound", "[bookings][isolation]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    const auto pkg = packages.create(a);
    const auto booked = bookings.create(a, {{"package_id", text(pkg, "id")}});
    const long long id = num(booked, "id");
    // Tenant B names A's booking id: it must look absent, and stay confirmed.
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) { return repo.cancel(tx, idOf(b), id); }), booking::NotFound);
    CHECK(rowsOf("bookings", a, "status = 'confirmed'") == 1);
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) { return repo.cancel(tx, idOf(a), id + 1000000); }),
                    booking::NotFound);
    inTx([&](testdb::Transaction& tx) { return repo.cancel(tx, idOf(a), id); });
    const auto again = inTx([&](testdb::Transaction& tx) { return repo.cancel(tx, idOf(a), id); });
    CHECK(again.status == BookingStatus::Cancelled);
    CHECK(rowsOf("bookings", a, "status = 'cancelled'") == 1);
}

TEST_CASE_METHOD(TenantWithPackage, "an unknown package or a foreign add-on is NotFound and writes nothing", "[bookings]") {
    const auto other = packages.create(a);
    const auto other_addon = addons.create(a, {{"package_id", text(other, "id")}});
    CHECK_THROWS_AS(bookFor(a, request("no-such-package", "2031-06-07")), booking::NotFound);
    // An add-on of another package of the same tenant does not fit this one.
    CHECK_THROWS_AS(bookFor(a, request(text(pkg, "slug"), "2031-06-07", {text(other_addon, "slug")})),
                    booking::NotFound);
    CHECK(rowsOf("bookings", a) == 0);
    CHECK(rowsOf("booking_addons", a) == 0);
}

TEST_CASE_METHOD(TenantWithPackage, "malformed requests are InvalidInput, before any row is written", "[bookings][validation]") {
    const auto addon = addons.create(a, {{"package_id", text(pkg, "id")}});
    const std::string slug = text(pkg, "slug");
    CHECK_THROWS_AS(bookFor(a, request(slug, "2031-02-30")), booking::InvalidInput);  // no such day
    CHECK_THROWS_AS(bookFor(a, request(slug, "tomorrow")), booking::InvalidInput);
    CHECK_THROWS_AS(bookFor(a, request(slug, "2031-6-8")), booking::InvalidInput);
    auto no_email = request(slug, "2031-06-08");
    no_email.customer_email = "nobody";
    CHECK_THROWS_AS(bookFor(a, no_email), booking::InvalidInput);
    CHECK_THROWS_AS(bookFor(a, request(slug, "2031-06-08", {text(addon, "slug"), text(addon, "slug")})),
                    booking::InvalidInput);
    CHECK(rowsOf("bookings", a) == 0);
    // The date itself was never taken by the failed attempts.
    CHECK(bookFor(a, request(slug, "2031-06-08")).status == BookingStatus::Confirmed);
}

TEST_CASE_METHOD(TwoTenantsWithPackages, "list is ordered by date, and tenant B never sees A's bookings", "[bookings][isolation]") {
    bookFor(a, request(text(pa, "slug"), "2031-07-03"));
    bookFor(a, request(text(pa, "slug"), "2031-07-01"));
    bookings.createMany(a, 3, {{"package_id", text(pa, "id")}});
    bookFor(b, request(text(pb, "slug"), "2031-07-02"));
    const auto of_a = inTx([&](testdb::Transaction& tx) { return repo.list(tx, idOf(a)); });
    REQUIRE(of_a.size() == 5);
    for (std::size_t i = 1; i < of_a.size(); ++i) {
        CHECK(of_a[i - 1].date <= of_a[i].date);
        CHECK(of_a[i].tenant == idOf(a));
    }
    const auto of_b = inTx([&](testdb::Transaction& tx) { return repo.list(tx, idOf(b)); });
    REQUIRE(of_b.size() == 1);
    CHECK(of_b.front().date == "2031-07-02");
    CHECK_FALSE(inTx([&](testdb::Transaction& tx) { return repo.find(tx, idOf(b), of_a.front().id); }));
}

TEST_CASE("the price is taken at booking time; later price changes do not rewrite it", "[bookings]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto pkg = packages.create(a, {{"price_cents", std::string("5000")}});
    const auto early = bookFor(a, request(text(pkg, "slug"), "2031-08-01"));
    booking::BookingService service;
    service.updatePackagePrice(byId(a), text(pkg, "slug"), 6500);
    const auto late = bookFor(a, request(text(pkg, "slug"), "2031-08-02"));
    CHECK(early.total_cents == 5000);
    CHECK(late.total_cents == 6500);
    const auto reread = inTx([&](testdb::Transaction& tx) { return repo.find(tx, idOf(a), early.id); });
    REQUIRE(reread);
    CHECK(reread->total_cents == 5000);
}

TEST_CASE("the service books through a slug or an id alike", "[bookings][tenant-ref]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto pkg = packages.create(a);
    booking::BookingService service;
    const auto by_slug = service.book(bySlug(a), request(text(pkg, "slug"), "2031-09-01"));
    CHECK(by_slug.tenant == idOf(a));
    // The same date through the id: the same tenant, so the same taken date.
    CHECK_THROWS_AS(service.book(byId(a), request(text(pkg, "slug"), "2031-09-01")),
                    booking::DateUnavailable);
    // Tenant B's slug with A's package slug: B has no such package.
    CHECK_THROWS_AS(service.book(bySlug(ctx.tenants.tenantB.create()), request(text(pkg, "slug"), "2031-09-01")),
                    booking::NotFound);
    CHECK(service.listBookings(byId(a)).size() == 1);
    CHECK(service.listBookings(byId(ctx.tenants.tenantB)).empty());
}

// GoogleTest port of ../booking_repository_test.cpp (the same tests, as GoogleTest tests).
// BookingRepository against real PostgreSQL: one confirmed booking per
// tenant and date (decided by the database), cancellation frees the date,
// prices include add-ons, and tenants never see each other's bookings.
#include <algorithm>

#include "support.hpp"

using namespace booking_test;
using booking::BookingRepository;
using booking::BookingStatus;

TEST(BookingRepository, BookingAFreeDateConfirmsItAtThePackagesPrice) {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto pkg = packages.create(a, {{"price_cents", std::string("25000")}});
    const auto made = bookFor(a, request(text(pkg, "slug"), "2031-06-01"));
    EXPECT_TRUE(made.id > 0);
    EXPECT_EQ(made.tenant, idOf(a));
    EXPECT_EQ(made.package_id, num(pkg, "id"));
    EXPECT_EQ(made.date, "2031-06-01");
    EXPECT_EQ(made.status, BookingStatus::Confirmed);
    EXPECT_EQ(made.total_cents, 25000);
    EXPECT_EQ(made.paid_cents, 0);
    EXPECT_FALSE(made.paid);
    EXPECT_TRUE(made.addon_ids.empty());
    EXPECT_EQ(rowsOf("bookings", a), 1);
}

TEST(BookingRepository, TheTotalIncludesTheChosenAddOnsAtTheirCurrentPrices) {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto pkg = packages.create(a, {{"price_cents", std::string("10000")}});
    const auto x = addons.create(a, {{"package_id", text(pkg, "id")}, {"price_cents", std::string("1500")}});
    const auto y = addons.create(a, {{"package_id", text(pkg, "id")}, {"price_cents", std::string("700")}});
    addons.create(a, {{"package_id", text(pkg, "id")}});  // not chosen
    const auto made = bookFor(a, request(text(pkg, "slug"), "2031-06-02", {text(y, "slug"), text(x, "slug")}));
    EXPECT_EQ(made.total_cents, 12200);
    std::vector<long long> expected{num(x, "id"), num(y, "id")};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(made.addon_ids, expected);
    EXPECT_EQ(rowsOf("booking_addons", a), 2);
}

TEST_F(BookingRepositoryWithPackage, ASecondBookingForATakenDateIsDateUnavailable) {
    const auto first = bookFor(a, request(text(pkg, "slug"), "2031-06-03"));
    try {
        bookFor(a, request(text(pkg, "slug"), "2031-06-03"));
        FAIL() << "the date was booked twice";
    } catch (const booking::DateUnavailable& e) {
        EXPECT_EQ(e.date(), "2031-06-03");
    }
    EXPECT_EQ(rowsOf("bookings", a), 1);
    const auto still = inTx([&](testdb::Transaction& tx) { return repo.find(tx, idOf(a), first.id); });
    ASSERT_TRUE(still);
    EXPECT_EQ(still->status, BookingStatus::Confirmed);
}

TEST_F(BookingRepositoryTwoTenants, ADateTakenInTenantAIsStillFreeInTenantB) {
    bookFor(a, request(text(pa, "slug"), "2031-06-04"));
    EXPECT_FALSE(inTx([&](testdb::Transaction& tx) { return repo.isDateAvailable(tx, idOf(a), "2031-06-04"); }));
    EXPECT_TRUE(inTx([&](testdb::Transaction& tx) { return repo.isDateAvailable(tx, idOf(b), "2031-06-04"); }));
    const auto in_b = bookFor(b, request(text(pb, "slug"), "2031-06-04"));
    EXPECT_EQ(in_b.tenant, idOf(b));
    EXPECT_EQ(rowsOf("bookings", a), 1);
    EXPECT_EQ(rowsOf("bookings", b), 1);
}

TEST_F(BookingRepositoryWithPackage, CancellingFreesTheDateForANewBooking) {
    const auto first = bookFor(a, request(text(pkg, "slug"), "2031-06-05"));
    const auto cancelled = inTx([&](testdb::Transaction& tx) { return repo.cancel(tx, idOf(a), first.id); });
    EXPECT_EQ(cancelled.status, BookingStatus::Cancelled);
    EXPECT_TRUE(inTx([&](testdb::Transaction& tx) { return repo.isDateAvailable(tx, idOf(a), "2031-06-05"); }));
    const auto second = bookFor(a, request(text(pkg, "slug"), "2031-06-05"));
    EXPECT_NE(second.id, first.id);
    const auto all = inTx([&](testdb::Transaction& tx) { return repo.list(tx, idOf(a)); });
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].status, BookingStatus::Cancelled);
    EXPECT_EQ(all[1].status, BookingStatus::Confirmed);
}

TEST(BookingRepository, CancelIsIdempotentAndUnknownOrForeignBookingsAreNotFound) {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    const auto pkg = packages.create(a);
    const auto booked = bookings.create(a, {{"package_id", text(pkg, "id")}});
    const long long id = num(booked, "id");
    // Tenant B names A's booking id: it must look absent, and stay confirmed.
    EXPECT_THROW(inTx([&](testdb::Transaction& tx) { return repo.cancel(tx, idOf(b), id); }), booking::NotFound);
    EXPECT_EQ(rowsOf("bookings", a, "status = 'confirmed'"), 1);
    EXPECT_THROW(inTx([&](testdb::Transaction& tx) { return repo.cancel(tx, idOf(a), id + 1000000); }), booking::NotFound);
    inTx([&](testdb::Transaction& tx) { return repo.cancel(tx, idOf(a), id); });
    const auto again = inTx([&](testdb::Transaction& tx) { return repo.cancel(tx, idOf(a), id); });
    EXPECT_EQ(again.status, BookingStatus::Cancelled);
    EXPECT_EQ(rowsOf("bookings", a, "status = 'cancelled'"), 1);
}

TEST_F(BookingRepositoryWithPackage, AnUnknownPackageOrAForeignAddOnIsNotFoundAndWritesNothing) {
    const auto other = packages.create(a);
    const auto other_addon = addons.create(a, {{"package_id", text(other, "id")}});
    EXPECT_THROW(bookFor(a, request("no-such-package", "2031-06-07")), booking::NotFound);
    // An add-on of another package of the same tenant does not fit this one.
    EXPECT_THROW(bookFor(a, request(text(pkg, "slug"), "2031-06-07", {text(other_addon, "slug")})), booking::NotFound);
    EXPECT_EQ(rowsOf("bookings", a), 0);
    EXPECT_EQ(rowsOf("booking_addons", a), 0);
}

TEST_F(BookingRepositoryWithPackage, MalformedRequestsAreInvalidInputBeforeAnyRowIsWritten) {
    const auto addon = addons.create(a, {{"package_id", text(pkg, "id")}});
    const std::string slug = text(pkg, "slug");
    EXPECT_THROW(bookFor(a, request(slug, "2031-02-30")), booking::InvalidInput);  // no such day
    EXPECT_THROW(bookFor(a, request(slug, "tomorrow")), booking::InvalidInput);
    EXPECT_THROW(bookFor(a, request(slug, "2031-6-8")), booking::InvalidInput);
    auto no_email = request(slug, "2031-06-08");
    no_email.customer_email = "nobody";
    EXPECT_THROW(bookFor(a, no_email), booking::InvalidInput);
    EXPECT_THROW(bookFor(a, request(slug, "2031-06-08", {text(addon, "slug"), text(addon, "slug")})), booking::InvalidInput);
    EXPECT_EQ(rowsOf("bookings", a), 0);
    // The date itself was never taken by the failed attempts.
    EXPECT_EQ(bookFor(a, request(slug, "2031-06-08")).status, BookingStatus::Confirmed);
}

TEST_F(BookingRepositoryTwoTenants, ListIsOrderedByDateAndTenantBNeverSeesAsBookings) {
    bookFor(a, request(text(pa, "slug"), "2031-07-03"));
    bookFor(a, request(text(pa, "slug"), "2031-07-01"));
    bookings.createMany(a, 3, {{"package_id", text(pa, "id")}});
    bookFor(b, request(text(pb, "slug"), "2031-07-02"));
    const auto of_a = inTx([&](testdb::Transaction& tx) { return repo.list(tx, idOf(a)); });
    ASSERT_EQ(of_a.size(), 5u);
    for (std::size_t i = 1; i < of_a.size(); ++i) {
        EXPECT_LE(of_a[i - 1].date, of_a[i].date);
        EXPECT_EQ(of_a[i].tenant, idOf(a));
    }
    const auto of_b = inTx([&](testdb::Transaction& tx) { return repo.list(tx, idOf(b)); });
    ASSERT_EQ(of_b.size(), 1u);
    EXPECT_EQ(of_b.front().date, "2031-07-02");
    EXPECT_FALSE(inTx([&](testdb::Transaction& tx) { return repo.find(tx, idOf(b), of_a.front().id); }));
}

TEST(BookingRepository, ThePriceIsTakenAtBookingTimeLaterPriceChangesDoNotRewriteIt) {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto pkg = packages.create(a, {{"price_cents", std::string("5000")}});
    const auto early = bookFor(a, request(text(pkg, "slug"), "2031-08-01"));
    booking::BookingService service;
    service.updatePackagePrice(byId(a), text(pkg, "slug"), 6500);
    const auto late = bookFor(a, request(text(pkg, "slug"), "2031-08-02"));
    EXPECT_EQ(early.total_cents, 5000);
    EXPECT_EQ(late.total_cents, 6500);
    const auto reread = inTx([&](testdb::Transaction& tx) { return repo.find(tx, idOf(a), early.id); });
    ASSERT_TRUE(reread);
    EXPECT_EQ(reread->total_cents, 5000);
}

TEST(BookingRepository, TheServiceBooksThroughASlugOrAnIdAlike) {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto pkg = packages.create(a);
    booking::BookingService service;
    const auto by_slug = service.book(bySlug(a), request(text(pkg, "slug"), "2031-09-01"));
    EXPECT_EQ(by_slug.tenant, idOf(a));
    // The same date through the id: the same tenant, so the same taken date.
    EXPECT_THROW(service.book(byId(a), request(text(pkg, "slug"), "2031-09-01")), booking::DateUnavailable);
    // Tenant B's slug with A's package slug: B has no such package.
    EXPECT_THROW(service.book(bySlug(ctx.tenants.tenantB.create()), request(text(pkg, "slug"), "2031-09-01")), booking::NotFound);
    EXPECT_EQ(service.listBookings(byId(a)).size(), 1u);
    EXPECT_TRUE(service.listBookings(byId(ctx.tenants.tenantB)).empty());
}

// CatalogRepository against real PostgreSQL: packages and add-ons per
// tenant, the unique-slug rule, refusals mapped to booking errors, and bulk
// add-on creation inside the pool's limit of 3.
#include <algorithm>

#include "support.hpp"

using namespace booking_test;
using booking::CatalogRepository;
using booking::NewAddon;
using booking::NewPackage;

namespace {

const CatalogRepository catalog;

}  // namespace

TEST_CASE("createPackage stores the package and returns it with its key", "[catalog]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto created = inTx([&](testdb::Transaction& tx) {
        return catalog.createPackage(tx, idOf(a), NewPackage{"sunset-cruise", "Sunset cruise", 12900});
    });
    CHECK(created.id > 0);
    CHECK(created.tenant == idOf(a));
    CHECK(created.slug == "sunset-cruise");
    CHECK(created.name == "Sunset cruise");
    CHECK(created.price_cents == 12900);
    CHECK(rowsOf("catalog_packages", a, "id = " + std::to_string(created.id)) == 1);
}

TEST_CASE("findPackage finds a factory-made package by slug", "[catalog]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto row = packages.create(a, {{"price_cents", std::string("4200")}});
    const auto found = inTx([&](testdb::Transaction& tx) { return catalog.findPackage(tx, idOf(a), text(row, "slug")); });
    REQUIRE(found);
    CHECK(found->id == num(row, "id"));
    CHECK(found->price_cents == 4200);
    CHECK(found->name == text(row, "name"));
}

TEST_CASE("findPackage of an unknown slug finds nothing", "[catalog]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    packages.create(a);
    CHECK_FALSE(inTx([&](testdb::Transaction& tx) { return catalog.findPackage(tx, idOf(a), "no-such-package"); }));
}

TEST_CASE("findPackage matches the whole slug, not a prefix", "[catalog]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto row = packages.create(a);
    const std::string slug = text(row, "slug");
    CHECK_FALSE(inTx([&](testdb::Transaction& tx) { return catalog.findPackage(tx, idOf(a), slug.substr(0, slug.size() - 1)); }));
    CHECK(inTx([&](testdb::Transaction& tx) { return catalog.findPackage(tx, idOf(a), slug); }));
}

TEST_CASE("listPackages returns the tenant's packages ordered by slug", "[catalog]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto rows = packages.createMany(a, 5);
    std::vector<std::string> expected;
    for (const auto& r : rows) expected.push_back(text(r, "slug"));
    std::sort(expected.begin(), expected.end());
    const auto listed = inTx([&](testdb::Transaction& tx) { return catalog.listPackages(tx, idOf(a)); });
    CHECK(slugsOf(listed) == expected);
}

TEST_CASE("listPackages of a tenant without packages is empty", "[catalog]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    packages.createMany(ctx.tenants.tenantB, 3);
    CHECK(inTx([&](testdb::Transaction& tx) { return catalog.listPackages(tx, idOf(a)); }).empty());
}

TEST_CASE("a duplicate slug within one tenant is a DuplicateSlug", "[catalog]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto row = packages.create(a);
    try {
        inTx([&](testdb::Transaction& tx) {
            return catalog.createPackage(tx, idOf(a), NewPackage{text(row, "slug"), "Again", 100});
        });
        FAIL("the duplicate slug was accepted");
    } catch (const booking::DuplicateSlug& e) {
        // Callers may catch the family instead: a Conflict, a booking::Error.
        CHECK(dynamic_cast<const booking::Conflict*>(&e) != nullptr);
        CHECK(dynamic_cast<const booking::Error*>(&e) != nullptr);
        CHECK(e.slug() == text(row, "slug"));
        CHECK(std::string(e.what()).find(text(row, "slug")) != std::string::npos);
    }
    CHECK(rowsOf("catalog_packages", a) == 1);
}

TEST_CASE("the same slug may exist once in each tenant", "[catalog][isolation]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    const auto row = packages.create(a);
    const auto in_b = inTx([&](testdb::Transaction& tx) {
        return catalog.createPackage(tx, idOf(b), NewPackage{text(row, "slug"), "Same slug", 500});
    });
    CHECK(in_b.tenant == idOf(b));
    CHECK(in_b.id != num(row, "id"));
    CHECK(rowsOf("catalog_packages", a) == 1);
    CHECK(rowsOf("catalog_packages", b) == 1);
}

TEST_CASE("tenant B never sees tenant A's packages", "[catalog][isolation]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    const auto rows = packages.createMany(a, 4);
    packages.create(b);
    const auto listed_b = inTx([&](testdb::Transaction& tx) { return catalog.listPackages(tx, idOf(b)); });
    REQUIRE(listed_b.size() == 1);
    CHECK(listed_b.front().tenant == idOf(b));
    for (const auto& r : rows) {
        CHECK_FALSE(inTx([&](testdb::Transaction& tx) { return catalog.findPackage(tx, idOf(b), text(r, "slug")); }));
    }
}

TEST_CASE("updatePackagePrice changes the price and returns the updated row", "[catalog]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto row = packages.create(a);
    const auto updated = inTx([&](testdb::Transaction& tx) {
        return catalog.updatePackagePrice(tx, idOf(a), text(row, "slug"), 7777);
    });
    CHECK(updated.id == num(row, "id"));
    CHECK(updated.price_cents == 7777);
    CHECK(scalar("SELECT price_cents FROM catalog_packages WHERE id = " + text(row, "id")) == 7777);
}

TEST_CASE("updatePackagePrice of an unknown slug is NotFound", "[catalog]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    packages.create(a);
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) { return catalog.updatePackagePrice(tx, idOf(a), "missing", 1); }),
                    booking::NotFound);
}

TEST_CASE("tenant A cannot change tenant B's price", "[catalog][isolation]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto in_b = packages.create(ctx.tenants.tenantB, {{"price_cents", std::string("3000")}});
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) {
                        return catalog.updatePackagePrice(tx, idOf(a), text(in_b, "slug"), 1);
                    }),
                    booking::NotFound);
    CHECK(scalar("SELECT price_cents FROM catalog_packages WHERE id = " + text(in_b, "id")) == 3000);
}

TEST_CASE("a negative price is InvalidInput and writes nothing", "[catalog][validation]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto row = packages.create(a, {{"price_cents", std::string("900")}});
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) {
                        return catalog.createPackage(tx, idOf(a), NewPackage{"cheap", "Cheap", -1});
                    }),
                    booking::InvalidInput);
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) {
                        return catalog.updatePackagePrice(tx, idOf(a), text(row, "slug"), -5);
                    }),
                    booking::InvalidInput);
    CHECK(rowsOf("catalog_packages", a) == 1);
    CHECK(scalar("SELECT price_cents FROM catalog_packages WHERE id = " + text(row, "id")) == 900);
}

TEST_CASE("an empty slug or name is InvalidInput", "[catalog][validation]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) { return catalog.createPackage(tx, idOf(a), NewPackage{"", "No slug", 1}); }),
                    booking::InvalidInput);
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) { return catalog.createPackage(tx, idOf(a), NewPackage{"no-name", "", 1}); }),
                    booking::InvalidInput);
    CHECK(rowsOf("catalog_packages", a) == 0);
}

TEST_CASE("deletePackage removes the package", "[catalog]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto rows = packages.createMany(a, 2);
    inTx([&](testdb::Transaction& tx) { catalog.deletePackage(tx, idOf(a), text(rows[0], "slug")); });
    CHECK_FALSE(inTx([&](testdb::Transaction& tx) { return catalog.findPackage(tx, idOf(a), text(rows[0], "slug")); }));
    CHECK(rowsOf("catalog_packages", a) == 1);
}

TEST_CASE("deletePackage of an unknown slug is NotFound", "[catalog]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) { catalog.deletePackage(tx, idOf(a), "missing"); }),
                    booking::NotFound);
}

TEST_CASE_METHOD(TenantWithPackage, "deletePackage takes the package's add-ons with it", "[catalog]") {
    const auto keep = packages.create(a);
    addons.createMany(a, 3, {{"package_id", text(pkg, "id")}});
    addons.create(a, {{"package_id", text(keep, "id")}});
    inTx([&](testdb::Transaction& tx) { catalog.deletePackage(tx, idOf(a), text(pkg, "slug")); });
    CHECK(rowsOf("catalog_addons", a) == 1);
    CHECK(rowsOf("catalog_addons", a, "package_id = " + text(keep, "id")) == 1);
}

TEST_CASE_METHOD(TenantWithPackage, "a package with bookings cannot be deleted: InUse", "[catalog]") {
    bookings.create(a, {{"package_id", text(pkg, "id")}});
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) { catalog.deletePackage(tx, idOf(a), text(pkg, "slug")); }),
                    booking::InUse);
    CHECK(rowsOf("catalog_packages", a) == 1);
}

TEST_CASE("tenant B cannot delete tenant A's package", "[catalog][isolation]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    const auto pkg = packages.create(a);
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) { catalog.deletePackage(tx, idOf(b), text(pkg, "slug")); }),
                    booking::NotFound);
    CHECK(rowsOf("catalog_packages", a) == 1);
}

TEST_CASE_METHOD(TenantWithPackage, "createAddon attaches an add-on to the tenant's package", "[catalog][addons]") {
    const auto addon = inTx([&](testdb::Transaction& tx) {
        return catalog.createAddon(tx, idOf(a), text(pkg, "slug"), NewAddon{"champagne", "Champagne", 2500});
    });
    CHECK(addon.id > 0);
    CHECK(addon.package_id == num(pkg, "id"));
    CHECK(addon.tenant == idOf(a));
    CHECK(addon.slug == "champagne");
    CHECK(addon.price_cents == 2500);
}

TEST_CASE_METHOD(TenantWithPackage, "listAddons returns only that package's add-ons, ordered by slug", "[catalog][addons]") {
    const auto other = packages.create(a);
    const auto mine = addons.createMany(a, 3, {{"package_id", text(pkg, "id")}});
    addons.createMany(a, 2, {{"package_id", text(other, "id")}});
    const auto listed = inTx([&](testdb::Transaction& tx) { return catalog.listAddons(tx, idOf(a), text(pkg, "slug")); });
    std::vector<std::string> expected;
    for (const auto& r : mine) expected.push_back(text(r, "slug"));
    std::sort(expected.begin(), expected.end());
    std::vector<std::string> got;
    for (const auto& addon : listed) {
        got.push_back(addon.slug);
        CHECK(addon.package_id == num(pkg, "id"));
    }
    CHECK(got == expected);
}

TEST_CASE("listAddons of an unknown package is NotFound", "[catalog][addons]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    packages.create(a);
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) { return catalog.listAddons(tx, idOf(a), "missing"); }),
                    booking::NotFound);
}

TEST_CASE("createAddon for an unknown package is NotFound and writes nothing", "[catalog][addons]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) {
                        return catalog.createAddon(tx, idOf(a), "missing", NewAddon{"x", "X", 1});
                    }),
                    booking::NotFound);
    CHECK(rowsOf("catalog_addons", a) == 0);
}

TEST_CASE_METHOD(TenantWithPackage, "a duplicate add-on slug within one tenant is a DuplicateSlug", "[catalog][addons]") {
    const auto other = packages.create(a);
    const auto addon = addons.create(a, {{"package_id", text(pkg, "id")}});
    // Unique per tenant, not per package: another package cannot reuse it.
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) {
                        return catalog.createAddon(tx, idOf(a), text(other, "slug"),
                                                   NewAddon{text(addon, "slug"), "Again", 1});
                    }),
                    booking::DuplicateSlug);
    CHECK(rowsOf("catalog_addons", a) == 1);
}

TEST_CASE("tenant B cannot add an add-on to tenant A's package", "[catalog][addons][isolation]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    const auto pkg = packages.create(a);
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) {
                        return catalog.createAddon(tx, idOf(b), text(pkg, "slug"), NewAddon{"sneaky", "Sneaky", 1});
                    }),
                    booking::NotFound);
    CHECK(rowsOf("catalog_addons", a) == 0);
    CHECK(rowsOf("catalog_addons", b) == 0);
}

TEST_CASE("the schema refuses an add-on pointing at another tenant's package", "[catalog][addons][isolation]") {
    // Below the C++: the composite foreign key (tenant_id, package_id) makes
    // a cross-tenant row impossible, even for code that bypasses the repository.
    const auto& ctx = testdb::context();
    const auto& b = ctx.tenants.tenantB.create();
    const auto pkg_of_a = packages.create(ctx.tenants.tenantA);
    CHECK_THROWS_AS(addons.create(b, {{"package_id", text(pkg_of_a, "id")}}), pqxx::foreign_key_violation);
    CHECK(rowsOf("catalog_addons", b) == 0);
}

TEST_CASE_METHOD(TenantWithPackage, "60 add-ons made with createMany: one round trip, within 3 connections", "[catalog][addons][bulk]") {
    const auto before = testdb::harnessStatements();
    const auto rows = addons.createMany(a, 60, {{"package_id", text(pkg, "id")}});
    CHECK(testdb::harnessStatements() - before == 1);
    REQUIRE(rows.size() == 60);
    const auto listed = inTx([&](testdb::Transaction& tx) { return catalog.listAddons(tx, idOf(a), text(pkg, "slug")); });
    CHECK(listed.size() == 60);
    CHECK(testdb::getTestDb().pool().stats().peak_in_use <=
          testdb::getTestDb().config().connection_limit);
}

TEST_CASE_METHOD(TenantWithPackage, "60 add-ons created one by one inside a single transaction", "[catalog][addons][bulk]") {
    const auto tenant = idOf(a);
    const auto made = inTx([&](testdb::Transaction& tx) {
        std::vector<booking::Addon> out;
        for (int i = 0; i < 60; ++i) {
            out.push_back(catalog.createAddon(tx, tenant, text(pkg, "slug"),
                                              NewAddon{"extra-" + std::to_string(i), "Extra", 100 + i}));
        }
        return out;
    });
    CHECK(made.size() == 60);
    CHECK(rowsOf("catalog_addons", a) == 60);
    // One transaction wrote them all: they share its transaction id.
    CHECK(scalar("SELECT count(DISTINCT xmin::text) FROM catalog_addons WHERE tenant_id = " + a.id()) == 1);
    CHECK(testdb::getTestDb().pool().stats().peak_in_use <=
          testdb::getTestDb().config().connection_limit);
}

TEST_CASE("a refusal rolls back the whole transaction, earlier writes included", "[catalog]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto existing = packages.create(a);
    const auto tenant = idOf(a);
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) {
                        catalog.createPackage(tx, tenant, NewPackage{"first-of-two", "First", 100});
                        catalog.createPackage(tx, tenant, NewPackage{text(existing, "slug"), "Dup", 100});
                    }),
                    booking::DuplicateSlug);
    CHECK_FALSE(inTx([&](testdb::Transaction& tx) { return catalog.findPackage(tx, tenant, "first-of-two"); }));
    CHECK(rowsOf("catalog_packages", a) == 1);
}

TEST_CASE("loadSnapshot reads packages with their add-ons grouped", "[catalog][snapshot]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto p1 = packages.create(a);
    const auto p2 = packages.create(a);
    packages.create(a);  // no add-ons
    addons.createMany(a, 2, {{"package_id", text(p1, "id")}});
    addons.create(a, {{"package_id", text(p2, "id")}});
    const auto snap = inTx([&](testdb::Transaction& tx) { return catalog.loadSnapshot(tx, idOf(a)); });
    CHECK(snap.tenant == idOf(a));
    CHECK(snap.packages.size() == 3);
    CHECK(snap.addonsOf(num(p1, "id")).size() == 2);
    CHECK(snap.addonsOf(num(p2, "id")).size() == 1);
    REQUIRE(snap.findPackage(text(p2, "slug")) != nullptr);
    CHECK(snap.findPackage(text(p2, "slug"))->id == num(p2, "id"));
    CHECK(snap.findPackage("missing") == nullptr);
}

TEST_CASE("loadSnapshot of tenant B holds none of tenant A's rows", "[catalog][snapshot][isolation]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    const auto pa = packages.create(a);
    addons.createMany(a, 3, {{"package_id", text(pa, "id")}});
    const auto pb = packages.create(b);
    const auto snap = inTx([&](testdb::Transaction& tx) { return catalog.loadSnapshot(tx, idOf(b)); });
    REQUIRE(snap.packages.size() == 1);
    CHECK(snap.packages.front().id == num(pb, "id"));
    CHECK(snap.addons.empty());
    CHECK(snap.addonsOf(num(pa, "id")).empty());
}

TEST_CASE_METHOD(TenantWithPackage, "deleteAddon removes an add-on; an unknown one is NotFound", "[catalog][addons]") {
    const auto rows = addons.createMany(a, 2, {{"package_id", text(pkg, "id")}});
    inTx([&](testdb::Transaction& tx) { catalog.deleteAddon(tx, idOf(a), text(rows[0], "slug")); });
    CHECK(rowsOf("catalog_addons", a) == 1);
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) { catalog.deleteAddon(tx, idOf(a), text(rows[0], "slug")); }),
                    booking::NotFound);
}

TEST_CASE_METHOD(TenantWithPackage, "an add-on that was booked cannot be deleted: InUse", "[catalog][addons]") {
    const auto addon = addons.create(a, {{"package_id", text(pkg, "id")}});
    booking::BookingService service;
    service.book(byId(a), request(text(pkg, "slug"), "2031-05-01", {text(addon, "slug")}));
    CHECK_THROWS_AS(inTx([&](testdb::Transaction& tx) { catalog.deleteAddon(tx, idOf(a), text(addon, "slug")); }),
                    booking::InUse);
    CHECK(rowsOf("catalog_addons", a) == 1);
}

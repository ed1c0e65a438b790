// The tenant-keyed catalog cache behind BookingService: hits, per-tenant
// invalidation, TenantRef resolution by slug or id (the original bug), and
// isolation under concurrent readers and writers. Rows written "behind the
// service's back" with factories show whether a read came from memory.
#include <algorithm>

#include "support.hpp"

// Declared explicitly (it equals the name-derived slug): the file's tenants
// are cache-isolation-a-<run> and cache-isolation-b-<run>.
static auto& file_context = testdb::setupCompleteIntegrationTest("cache-isolation");

using namespace booking_test;
using booking::BookingService;
using booking::CatalogCache;
using booking::NewPackage;

namespace {

bool contains(const std::vector<booking::Package>& list, const std::string& slug) {
    const auto slugs = slugsOf(list);
    return std::find(slugs.begin(), slugs.end(), slug) != slugs.end();
}

}  // namespace

TEST_CASE("the first read is a miss, the second a hit", "[cache]") {
    CHECK(&testdb::context() == &file_context);
    const auto& a = file_context.tenants.tenantA.create();
    packages.createMany(a, 3);
    BookingService service;
    CHECK(service.listPackages(byId(a)).size() == 3);
    CHECK(service.listPackages(byId(a)).size() == 3);
    CHECK(service.cache().stats().misses == 1);
    CHECK(service.cache().stats().hits == 1);
}

TEST_CASE("a hit is served from memory: rows written behind the service stay unseen", "[cache]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    packages.create(a);
    BookingService service;
    REQUIRE(service.listPackages(byId(a)).size() == 1);
    const auto behind = packages.create(a);  // not through the service: no invalidation
    CHECK(service.listPackages(byId(a)).size() == 1);
    CHECK_FALSE(service.findPackage(byId(a), text(behind, "slug")));
    service.cache().invalidate(idOf(a));
    CHECK(service.listPackages(byId(a)).size() == 2);
}

TEST_CASE("a write through the service invalidates that tenant's entry", "[cache]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    BookingService service;
    CHECK(service.listPackages(byId(a)).empty());
    service.createPackage(byId(a), NewPackage{"kayak", "Kayak tour", 4500});
    const auto listed = service.listPackages(byId(a));
    CHECK(slugsOf(listed) == std::vector<std::string>{"kayak"});
    CHECK(service.cache().stats().misses == 2);
}

TEST_CASE("a write for tenant B leaves tenant A's entry cached", "[cache][isolation]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    packages.create(a);
    BookingService service;
    service.listPackages(byId(a));
    const auto behind = packages.create(a);
    service.createPackage(byId(b), NewPackage{"b-only", "B only", 100});
    REQUIRE(service.cache().peek(idOf(a)) != nullptr);
    // Still A's old snapshot: B's write did not touch A's entry.
    CHECK_FALSE(contains(service.listPackages(byId(a)), text(behind, "slug")));
    CHECK(service.listPackages(byId(b)).size() == 1);
}

TEST_CASE("with one shared cache, B never reads A's catalog", "[cache][isolation]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    const auto of_a = packages.createMany(a, 4);
    const auto of_b = packages.create(b);
    auto shared = std::make_shared<CatalogCache>();
    BookingService for_a(shared);
    BookingService for_b(shared);
    CHECK(for_a.listPackages(byId(a)).size() == 4);
    const auto seen_by_b = for_b.listPackages(byId(b));
    CHECK(slugsOf(seen_by_b) == std::vector<std::string>{text(of_b, "slug")});
    for (const auto& row : of_a) CHECK_FALSE(for_b.findPackage(byId(b), text(row, "slug")));
    CHECK(shared->peek(idOf(a))->tenant == idOf(a));
    CHECK(shared->peek(idOf(b))->tenant == idOf(b));
    CHECK(shared->size() == 2);
}

TEST_CASE("a slug and an id of one tenant share one cache entry", "[cache][tenant-ref]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    packages.createMany(a, 2);
    BookingService service;
    const auto via_slug = service.listPackages(bySlug(a));
    const auto via_id = service.listPackages(byId(a));
    CHECK(slugsOf(via_slug) == slugsOf(via_id));
    CHECK(service.cache().stats().misses == 1);
    CHECK(service.cache().stats().hits == 1);
    CHECK(service.cache().size() == 1);
}

TEST_CASE("an unknown slug or id is UnknownTenant, and nothing is cached", "[cache][tenant-ref]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    packages.create(a);
    BookingService service;
    // Tenant B's slug is known before B exists; no row carries it yet.
    CHECK_THROWS_AS(service.listPackages(bySlug(ctx.tenants.tenantB)), booking::UnknownTenant);
    CHECK_THROWS_AS(service.listPackages(booking::TenantRef::byId(idOf(a).value + 1000000)),
                    booking::UnknownTenant);
    CHECK_THROWS_AS(service.resolveTenant(booking::TenantRef::bySlug("")), booking::NotFound);
    CHECK(service.cache().size() == 0);
    CHECK(service.cache().stats().misses == 0);
}

TEST_CASE("an id passed as a slug is never taken for an id", "[cache][tenant-ref]") {
    // The original bug: a caller handed over the id where the slug belonged.
    const auto& a = testdb::context().tenants.tenantA.create();
    packages.create(a);
    BookingService service;
    try {
        service.listPackages(booking::TenantRef::bySlug(a.id()));
        FAIL("an id was accepted as a slug");
    } catch (const booking::UnknownTenant& e) {
        CHECK(std::string(e.what()).find("tenant slug \"" + a.id() + "\"") != std::string::npos);
    }
    CHECK(service.cache().size() == 0);
}

TEST_CASE("resolveTenant maps ids and slugs to the right tenant, both ways", "[cache][tenant-ref]") {
    const auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    BookingService service;
    const auto ra = service.resolveTenant(bySlug(a));
    const auto rb = service.resolveTenant(byId(b));
    CHECK(ra.id == idOf(a));
    CHECK(ra.slug == a.slug());
    CHECK(rb.id == idOf(b));
    CHECK(rb.slug == b.slug());
    CHECK(ra.id != rb.id);
    CHECK(service.resolveTenant(byId(a)).slug == a.slug());
}

TEST_CASE("a price change through the service is seen by the next cached read", "[cache]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto pkg = packages.create(a, {{"price_cents", std::string("1000")}});
    BookingService service;
    CHECK(service.findPackage(byId(a), text(pkg, "slug"))->price_cents == 1000);
    service.updatePackagePrice(bySlug(a), text(pkg, "slug"), 1250);
    CHECK(service.findPackage(byId(a), text(pkg, "slug"))->price_cents == 1250);
}

TEST_CASE("a deleted package disappears from the cached catalog", "[cache]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    const auto rows = packages.createMany(a, 2);
    BookingService service;
    CHECK(service.listPackages(byId(a)).size() == 2);
    service.deletePackage(byId(a), text(rows[0], "slug"));
    CHECK(slugsOf(service.listPackages(byId(a))) == std::vector<std::string>{text(rows[1], "slug")});
}

TEST_CASE_METHOD(TenantWithPackage, "a new add-on is seen by the next cached read of its package", "[cache][addons]") {
    addons.create(a, {{"package_id", text(pkg, "id")}});
    BookingService service;
    CHECK(service.listAddons(byId(a), text(pkg, "slug")).size() == 1);
    service.addAddon(byId(a), text(pkg, "slug"), booking::NewAddon{"snorkel", "Snorkel set", 800});
    const auto listed = service.listAddons(byId(a), text(pkg, "slug"));
    REQUIRE(listed.size() == 2);
    CHECK(std::any_of(listed.begin(), listed.end(), [](const booking::Addon& x) { return x.slug == "snorkel"; }));
    CHECK_THROWS_AS(service.listAddons(byId(a), "missing"), booking::NotFound);
}

TEST_CASE_METHOD(TenantWithPackage, "a refused write leaves the cached catalog telling the truth", "[cache]") {
    BookingService service;
    const auto before = service.listPackages(byId(a));
    CHECK_THROWS_AS(service.createPackage(byId(a), NewPackage{text(pkg, "slug"), "Dup", 1}), booking::DuplicateSlug);
    CHECK(slugsOf(service.listPackages(byId(a))) == slugsOf(before));
    CHECK(rowsOf("catalog_packages", a) == 1);
}

TEST_CASE_METHOD(TwoTenantsWithPackages, "concurrent readers and writers of A and B: caches end true, never mixed", "[cache][race][isolation][commits]") {
    BookingService service;
    std::atomic<int> foreign_reads{0};
    Tally tally;
    runConcurrently(8, [&](int i) {
        const bool is_a = i % 2 == 0;
        const auto& me = is_a ? a : b;
        const std::string mine = is_a ? "a-" : "b-";
        try {
            for (int k = 0; k < 5; ++k) {
                if (i < 4) {  // two writers per tenant
                    service.createPackage(byId(me), NewPackage{mine + std::to_string(i) + "-" + std::to_string(k), "P", 100});
                }
                for (const auto& p : service.listPackages(byId(me))) {
                    if (p.tenant != idOf(me)) ++foreign_reads;
                }
            }
            ++tally.succeeded;
        } catch (const std::exception& e) {
            tally.other(e.what());
        }
    });
    CHECK(tally.unexpected.empty());
    CHECK(foreign_reads == 0);
    for (const testdb::Tenant* t : {&a, &b}) {
        const auto cached = service.listPackages(byId(*t));
        const auto truth = testdb::withTransaction([&](testdb::Transaction& tx) {
            return booking::CatalogRepository().listPackages(tx, idOf(*t));
        });
        CHECK(slugsOf(cached) == slugsOf(truth));
        CHECK(truth.size() == 11);  // 1 factory row + 2 writers x 5
    }
}

TEST_CASE("a load overtaken by an invalidation is returned but not kept", "[cache]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    packages.create(a);
    CatalogCache cache;
    const auto tenant = idOf(a);
    const auto snapshot = testdb::withTransaction([&](testdb::Transaction& tx) {
        return cache.getOrLoad(tenant, [&] {
            auto loaded = booking::CatalogRepository().loadSnapshot(tx, tenant);
            cache.invalidate(tenant);  // a writer committed while we were reading
            return loaded;
        });
    });
    CHECK(snapshot->packages.size() == 1);
    CHECK(cache.peek(tenant) == nullptr);
    CHECK(cache.stats().discarded_loads == 1);
}

TEST_CASE_METHOD(TwoTenantsWithPackages, "invalidate(A) keeps B; clear() drops every tenant", "[cache][isolation]") {
    BookingService service;
    service.listPackages(byId(a));
    service.listPackages(byId(b));
    REQUIRE(service.cache().size() == 2);
    service.cache().invalidate(idOf(a));
    CHECK(service.cache().peek(idOf(a)) == nullptr);
    CHECK(service.cache().peek(idOf(b)) != nullptr);
    service.cache().clear();
    CHECK(service.cache().size() == 0);
}

TEST_CASE("services share entries only when they share a cache", "[cache]") {
    const auto& a = testdb::context().tenants.tenantA.create();
    packages.create(a);
    auto shared = std::make_shared<CatalogCache>();
    BookingService first(shared);
    BookingService second(shared);
    BookingService separate;
    first.listPackages(byId(a));
    second.listPackages(byId(a));
    separate.listPackages(byId(a));
    CHECK(shared->stats().misses == 1);
    CHECK(shared->stats().hits == 1);
    CHECK(separate.cache().stats().misses == 1);
    CHECK(separate.cache().stats().hits == 0);
}

// Child side of scenario 7: two processes run this suite on one database at
// once. Both wait at a barrier so their tests really overlap, then create,
// count and clean up rows of their own tenants many times over.
#include "child_support.hpp"

using faultchild::items;
using namespace std::chrono_literals;

TEST_CASE("concurrent: both processes are running", "[.concurrent]") {
    faultchild::tell_parent("started-" + testdb::runToken());
    REQUIRE(faultchild::wait_for_parent("go"));
}

TEST_CASE("concurrent: tenants of this run only see their own rows", "[.concurrent]") {
    const int round = GENERATE(range(0, 12));
    auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    CHECK(a.slug() == "concurrent-a-" + testdb::runToken());
    items.createMany(a, 20 + round);
    items.createMany(b, 5);
    items.create(a, {{"slug", "concurrent-fixed-slug"}});  // same slug in both processes
    CHECK(faultchild::items_of(a) == 21 + round);
    CHECK(faultchild::items_of(b) == 5);
}

TEST_CASE("concurrent: a transaction of many rows", "[.concurrent]") {
    auto& tenant = testdb::context().tenants.tenantA.create();
    testdb::withTransaction([&](testdb::Transaction& tx) { items.createMany(tx, tenant, 200); });
    CHECK(faultchild::items_of(tenant) == 200);
}

// catch2v3_test.cpp: a complete testdb test file for Catch2 v3.
#include <catch2/catch_test_macros.hpp>
#include <testdb/testdb.hpp>
#include <testdb/context.hpp>
#include <testdb/factory.hpp>

static const testdb::Factory packages = testdb::Factory("packages", "package")
    .slugColumn("slug")
    .column("name", "Package")
    .column("price_cents", "1500");

TEST_CASE("a tenant's packages stay its own", "[packages]") {
    auto& ctx = testdb::context();
    const auto& shop = ctx.tenants.tenantA.create();
    packages.createMany(shop, 3);
    const auto count = testdb::withTransaction([&](testdb::Transaction& tx) {
        return testdb::queryValue<long long>(
            tx, "SELECT count(*) FROM packages WHERE tenant_id = $1", shop.id());
    });
    CHECK(count == 3);
}   // testdb deletes the tenant's rows here; a leak fails this test case

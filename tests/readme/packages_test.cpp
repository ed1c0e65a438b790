// packages_test.cpp: a complete testdb test file.
#include <testdb/catch.hpp>  // Catch2 v2 or v3: the adapter you link picks
#include <testdb/testdb.hpp>
#include <testdb/context.hpp>
#include <testdb/factory.hpp>

// One factory per table: unique slugs "<file-slug>-package-<n>" for free.
static const testdb::Factory packages = testdb::Factory("packages", "package")
    .slugColumn("slug")
    .column("name", [](const testdb::RowSeed& s) { return "Package " + s.slug; })
    .column("price_cents", "1500");

static long long count_packages(const testdb::Tenant& tenant) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return testdb::queryValue<long long>(
            tx, "SELECT count(*) FROM packages WHERE tenant_id = $1", tenant.id());
    });
}

TEST_CASE("each tenant sees only its own packages") {
    auto& ctx = testdb::context();                       // this file's tenants
    const auto& shop = ctx.tenants.tenantA.create();     // "packages-a-<run>"
    const auto& other = ctx.tenants.tenantB.create();    // "packages-b-<run>"

    packages.createMany(shop, 60);                       // one round trip
    packages.create(other, {{"price_cents", std::string("900")}});

    CHECK(count_packages(shop) == 60);
    CHECK(count_packages(other) == 1);
}   // no cleanup code: testdb deletes both tenants' rows here

TEST_CASE("a duplicate slug is refused by the database") {
    const auto& shop = testdb::context().tenants.tenantA;
    const auto first = packages.create(shop);
    CHECK_THROWS_AS(packages.create(shop, {{"slug", first.at("slug")}}),
                    pqxx::unique_violation);
}

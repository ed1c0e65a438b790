// packages_gtest_test.cpp: a complete testdb test file for GoogleTest.
#include <gtest/gtest.h>
#include <testdb/testdb.hpp>
#include <testdb/context.hpp>
#include <testdb/factory.hpp>

static const testdb::Factory packages = testdb::Factory("packages", "package")
    .slugColumn("slug").column("name", "A package").column("price_cents", "1500");

class Packages : public ::testing::Test {  // made when each test starts, inside its isolation
protected:
    const testdb::Tenant& shop = testdb::context().tenants.tenantA.create();
    const testdb::Tenant& other = testdb::context().tenants.tenantB.create();

    static long long countOf(const testdb::Tenant& tenant) {
        return testdb::withTransaction([&](testdb::Transaction& tx) {
            return testdb::queryValue<long long>(
                tx, "SELECT count(*) FROM packages WHERE tenant_id = $1", tenant.id());
        });
    }
};

TEST_F(Packages, EachTenantSeesOnlyItsOwn) {
    packages.createMany(shop, 60);
    packages.create(other);
    EXPECT_EQ(countOf(shop), 60);
    EXPECT_EQ(countOf(other), 1);
}   // no cleanup code: testdb deletes both tenants' rows here

TEST_F(Packages, ADuplicateSlugIsRefusedByTheDatabase) {
    const auto first = packages.create(shop);
    EXPECT_THROW(packages.create(shop, {{"slug", first.at("slug")}}), pqxx::unique_violation);
}

// GoogleTest good suite, file 1 of 3: the listener fires, each test starts
// clean, tenants are isolated, createMany() is one round trip.
#include "../support.hpp"

TEST(Alpha, ListenerIsLinkedAndFiring) {
    EXPECT_TRUE(testdb::gtest::listenerActive());
    EXPECT_EQ(testdb::context().fileSlug(), "alpha");
}

TEST(Alpha, StartsWithNoRowsOfAnyFile) { selftest::expect_starts_clean(); }

TEST(Alpha, TenantsAAndBAreIsolated) { selftest::expect_isolation(4, 1); }

TEST(Alpha, CreateManyIsOneRoundTrip) {
    auto& tenant = testdb::context().tenants.tenantA.create();
    const auto before = testdb::harnessStatements();
    const auto rows = selftest::items.createMany(tenant, 200);
    EXPECT_EQ(testdb::harnessStatements() - before, 1u);
    ASSERT_EQ(rows.size(), 200u);
    EXPECT_EQ(selftest::items_of(tenant), 200);
}

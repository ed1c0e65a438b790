// One file of the GoogleTest `testdb run --jobs` test suite: the Catch2
// suite's alpha file as GoogleTest tests (see ../jobs_support.hpp).
#include <gtest/gtest.h>

#include "../jobs_support.hpp"

TEST(Alpha, ThreeWidgetsAtOnce) {
    const auto& tenant = testdb::context().tenants.tenantA.create();
    EXPECT_EQ(jobs_test::fillPool(tenant), 3);
}

TEST(Alpha, AgainInAFreshTenant) {
    const auto& tenant = testdb::context().tenants.tenantA.create();
    EXPECT_EQ(jobs_test::fillPool(tenant), 3);
}

// One file of the GoogleTest `testdb run --jobs` test suite: the Catch2
// suite's beta file as GoogleTest tests (see ../jobs_support.hpp).
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "../jobs_support.hpp"

TEST(Beta, ThreeWidgetsAtOnce) { EXPECT_EQ(jobs_test::fillFreshTenant(), 3); }

TEST(Beta, AgainInAFreshTenant) { EXPECT_EQ(jobs_test::fillFreshTenant(), 3); }

// Fails when TESTDB_JOBS_FAIL=1: the merged run must name its shard and it.
TEST(Beta, FailsWhenAskedTo) {
    const char* fail = std::getenv("TESTDB_JOBS_FAIL");
    EXPECT_EQ(std::string(fail ? fail : "0"), "0");
}

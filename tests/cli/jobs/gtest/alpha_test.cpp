// One file of the GoogleTest `testdb run --jobs` test suite: the Catch2
// suite's alpha file as GoogleTest tests (see ../jobs_support.hpp).
#include <gtest/gtest.h>

#include "../jobs_support.hpp"

TEST(Alpha, ThreeWidgetsAtOnce) { EXPECT_EQ(jobs_test::fillFreshTenant(), 3); }

TEST(Alpha, AgainInAFreshTenant) { EXPECT_EQ(jobs_test::fillFreshTenant(), 3); }

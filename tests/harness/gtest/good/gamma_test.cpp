// GoogleTest good suite, file 3 of 3: an explicit slug at file scope.
#include "../support.hpp"

static auto& ctx = testdb::setupCompleteIntegrationTest("gamma-explicit");

TEST(Gamma, StartsWithNoRowsOfAnyFile) { selftest::expect_starts_clean(); }

TEST(Gamma, TheExplicitSlugNamesTheTenants) {
    EXPECT_EQ(&testdb::context(), &ctx);
    EXPECT_EQ(ctx.fileSlug(), "gamma-explicit");
    selftest::expect_isolation(2, 2);
}

// Two files claiming one slug: the run must refuse to start, naming both.
#include "../support.hpp"

static auto& ctx = testdb::setupCompleteIntegrationTest("same-slug");  // testdb-lint: allow generic-slug

TEST(DuplicateTwo, NeverRuns) { EXPECT_EQ(ctx.fileSlug(), "same-slug"); }

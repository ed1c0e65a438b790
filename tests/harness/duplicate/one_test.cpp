// Two files claiming one slug: the run must refuse to start, naming both.
#include "../support.hpp"

static auto& ctx = testdb::setupCompleteIntegrationTest("same-slug");  // testdb-lint: allow generic-slug

TEST_CASE("one: never runs", "[duplicate]") { CHECK(ctx.fileSlug() == "same-slug"); }

// Good suite, file 5 of 5: an explicit slug at file scope.
#include "../support.hpp"

static auto& ctx = testdb::setupCompleteIntegrationTest("epsilon-explicit");

TEST_CASE("epsilon: starts with no rows of any file", "[good]") { selftest::check_starts_clean(); }

TEST_CASE("epsilon: the explicit slug names the tenants", "[good]") {
    CHECK(&testdb::context() == &ctx);
    CHECK(ctx.fileSlug() == "epsilon-explicit");
    selftest::check_isolation(2, 2);
}

TEST_CASE("epsilon: sections each start with clean tenants", "[good]") {
    SECTION("first") {
        selftest::items.createMany(ctx.tenants.tenantA, 3);
        CHECK(selftest::items_of(ctx.tenants.tenantA) == 3);
    }
    SECTION("second") {
        CHECK(selftest::count_rows("items") == 0);
    }
}

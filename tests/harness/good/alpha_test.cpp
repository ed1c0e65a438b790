// Good suite, file 1 of 5: createMany() is one statement and one transaction.
#include "../support.hpp"

TEST_CASE("alpha: starts with no rows of any file", "[good]") { selftest::check_starts_clean(); }

TEST_CASE("alpha: tenants A and B are isolated", "[good]") { selftest::check_isolation(4, 1); }

TEST_CASE("alpha: createMany(500) is one round trip and one transaction", "[good]") {
    auto& tenant = testdb::context().tenants.tenantA.create();
    const auto before = testdb::harnessStatements();
    const auto rows = selftest::items.createMany(tenant, 500);
    CHECK(testdb::harnessStatements() - before == 1);
    REQUIRE(rows.size() == 500);
    CHECK(rows.front().at("tenant_id") == tenant.id());
    // Rows written by one transaction share its id (xmin) on the server.
    CHECK(selftest::count_rows("(SELECT DISTINCT xmin::text FROM items WHERE tenant_id = " +
                               tenant.id() + ") AS x") == 1);
    CHECK(selftest::items_of(tenant) == 500);
}

TEST_CASE("alpha: the listener is linked and firing", "[good]") {
    CHECK(testdb::lifecycle().active());
    CHECK(testdb::context().fileSlug() == "alpha");
}

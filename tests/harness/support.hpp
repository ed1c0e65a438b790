// Shared by the harness self-test suites: the factories and small queries.
#pragma once

#include <string>

#include <pqxx/pqxx>

#include "testdb/testdb.hpp"
#include "testdb/context.hpp"
#include "testdb/factory.hpp"
#include "testdb/catch.hpp"  // Catch2 v2 or v3, whichever adapter the suite links
#include "testdb/lifecycle.hpp"

#include "factories.hpp"

namespace selftest {

/// Every test starts with no rows of this run's tenants in any table: the
/// tests before it, in this file or another, were cleaned up.
inline void check_starts_clean() {
    const std::string of_run = "slug LIKE '%-" + testdb::runToken() + "'";
    CHECK(count_rows("tenants", of_run) == 0);
    CHECK(count_rows("items") == 0);
    CHECK(count_rows("item_notes") == 0);
}

/// Tenants A and B of this file see only their own rows, and their slugs
/// carry the file slug and the run token.
inline void check_isolation(long long for_a, long long for_b) {
    auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    CHECK(a.slug() == ctx.fileSlug() + "-a-" + testdb::runToken());
    CHECK(b.slug() == ctx.fileSlug() + "-b-" + testdb::runToken());
    items.createMany(a, static_cast<int>(for_a));
    items.createMany(b, static_cast<int>(for_b));
    CHECK(items_of(a) == for_a);
    CHECK(items_of(b) == for_b);
    const auto row = items.create(a);
    REQUIRE(row.at("slug"));
    CHECK(row.at("slug")->rfind(ctx.fileSlug() + "-item-", 0) == 0);
}

}  // namespace selftest

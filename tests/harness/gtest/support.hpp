// Shared by the GoogleTest ports of the harness self-test suites: the
// framework-free factories plus the two checks most tests start with.
#pragma once

#include <gtest/gtest.h>

#include "../factories.hpp"
#include "testdb/gtest.hpp"
#include "testdb/run_token.hpp"

namespace selftest {

/// Every test starts with no rows of this run's tenants in any table.
inline void expect_starts_clean() {
    EXPECT_EQ(count_rows("tenants", "slug LIKE '%-" + testdb::runToken() + "'"), 0);
    EXPECT_EQ(count_rows("items"), 0);
    EXPECT_EQ(count_rows("item_notes"), 0);
}

/// Tenants A and B of this file see only their own rows, and their slugs
/// carry the file slug and the run token.
inline void expect_isolation(long long for_a, long long for_b) {
    auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    EXPECT_EQ(a.slug(), ctx.fileSlug() + "-a-" + testdb::runToken());
    EXPECT_EQ(b.slug(), ctx.fileSlug() + "-b-" + testdb::runToken());
    items.createMany(a, static_cast<int>(for_a));
    items.createMany(b, static_cast<int>(for_b));
    EXPECT_EQ(items_of(a), for_a);
    EXPECT_EQ(items_of(b), for_b);
}

}  // namespace selftest

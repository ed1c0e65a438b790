// Good suite, file 2 of 5: 50 sequential creates and one createMany(50)
// produce the same, correct rows.
#include "../support.hpp"

#include <set>

TEST_CASE("beta: starts with no rows of any file", "[good]") { selftest::check_starts_clean(); }

TEST_CASE("beta: tenants A and B are isolated", "[good]") { selftest::check_isolation(2, 3); }

TEST_CASE("beta: 50 sequential creates and createMany(50) are both correct", "[good]") {
    auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA;
    const auto& b = ctx.tenants.tenantB;
    std::set<std::string> one_by_one;
    for (int i = 0; i < 50; ++i) {
        one_by_one.insert(*selftest::items.create(a).at("slug"));
    }
    std::set<std::string> batch;
    for (const auto& row : selftest::items.createMany(b, 50)) {
        batch.insert(*row.at("slug"));
        CHECK(row.at("tenant_id") == b.id());
    }
    CHECK(one_by_one.size() == 50);  // unique slugs
    CHECK(batch.size() == 50);
    CHECK(selftest::items_of(a) == 50);
    CHECK(selftest::items_of(b) == 50);
}

TEST_CASE("beta: overrides and build() without a database", "[good]") {
    const auto before = testdb::harnessStatements();
    const testdb::Row built = selftest::items.build({{"label", std::string("custom")}});
    CHECK(testdb::harnessStatements() == before);  // no database touched
    CHECK(built.at("label") == std::string("custom"));
    CHECK(built.at("slug")->rfind("beta-item-", 0) == 0);
    const auto stored = selftest::items.create(testdb::context().tenants.tenantA,
                                               {{"label", std::string("stored")}});
    CHECK(stored.at("label") == std::string("stored"));
}

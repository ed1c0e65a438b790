// Good suite, file 4 of 5: rows two foreign-key hops from the tenant are
// cleaned up too, and threads share the pool of 3.
#include "../support.hpp"

#include <atomic>
#include <thread>
#include <vector>

TEST_CASE("delta: starts with no rows of any file", "[good]") { selftest::check_starts_clean(); }

TEST_CASE("delta: tenants A and B are isolated", "[good]") { selftest::check_isolation(3, 3); }

TEST_CASE("delta: notes two hops from the tenant are found by the catalog", "[good]") {
    auto& tenant = testdb::context().tenants.tenantA;
    const auto item = selftest::items.create(tenant);
    selftest::notes.createMany(tenant, 5, {{"item_id", item.at("id")}});
    CHECK(selftest::count_rows("item_notes") == 5);
    const auto tables = testdb::tenantScopedTables();
    REQUIRE(tables.size() == 3);
    CHECK(tables.front() == "item_notes");  // children first
    CHECK(tables.back() == "tenants");      // the tenant table last
}

TEST_CASE("delta: 8 threads create rows through the shared pool of 3", "[good][threads][commits]") {
    auto& ctx = testdb::context();
    ctx.tenants.tenantA.create();
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            try {
                for (int i = 0; i < 10; ++i) {
                    selftest::items.create(ctx.tenants.tenantA);
                }
            } catch (const std::exception&) {
                ++failures;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    CHECK(failures == 0);
    CHECK(selftest::items_of(ctx.tenants.tenantA) == 80);
    CHECK(testdb::getTestDb().pool().stats().peak_in_use <= 3);
}

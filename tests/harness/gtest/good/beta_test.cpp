// GoogleTest good suite, file 2 of 3: a fixture arranges the tenant inside
// the test's isolation, rows two hops from the tenant are cleaned up, and
// threads share the pool of 3 (a "...Commits" suite: not in a rollback).
#include <atomic>
#include <thread>
#include <vector>

#include "../support.hpp"

namespace {

class Beta : public ::testing::Test {
protected:
    const testdb::Tenant& a = testdb::context().tenants.tenantA.create();
};

class BetaCommits : public Beta {};

}  // namespace

TEST_F(Beta, StartsWithOnlyTheFixturesTenant) {
    EXPECT_EQ(selftest::count_rows("tenants", "slug LIKE '%-" + testdb::runToken() + "'"), 1);
    EXPECT_EQ(selftest::count_rows("items"), 0);
}

TEST_F(Beta, NotesTwoHopsFromTheTenantAreCleanedUp) {
    const auto item = selftest::items.create(a);
    selftest::notes.createMany(a, 5, {{"item_id", item.at("id")}});
    EXPECT_EQ(selftest::count_rows("item_notes"), 5);
}

TEST_F(Beta, TheNotesAreGone) { EXPECT_EQ(selftest::count_rows("item_notes"), 0); }

TEST_F(BetaCommits, EightThreadsShareThePoolOfThree) {
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            try {
                for (int i = 0; i < 5; ++i) {
                    selftest::items.create(a);
                }
            } catch (const std::exception&) {
                ++failures;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(selftest::items_of(a), 40);
    EXPECT_LE(testdb::getTestDb().pool().stats().peak_in_use, 3);
}

TEST_F(Beta, TheThreadsRowsAreGone) { EXPECT_EQ(selftest::count_rows("items"), 0); }

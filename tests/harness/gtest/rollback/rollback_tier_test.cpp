// The GoogleTest rollback-tier suite (ISOLATION rollback): each test runs in
// one transaction that is rolled back, withTransaction() is a SAVEPOINT, a
// "...Commits" test suite runs in the tenant tier, and a test that ends the
// tier's transaction itself fails (RollbackEndsTransaction, on purpose).
#include <thread>
#include <vector>

#include "../support.hpp"

TEST(Rollback, RowsMadeByATestAreVisibleInsideIt) {
    auto& ctx = testdb::context();
    selftest::items.createMany(ctx.tenants.tenantA, 4);
    EXPECT_EQ(selftest::items_of(ctx.tenants.tenantA), 4);
}

TEST(Rollback, AndGoneInTheNextTestWithNoDelete) { selftest::expect_starts_clean(); }

TEST(Rollback, AFailingWithTransactionUndoesOnlyItsOwnSavepoint) {
    const auto& a = testdb::context().tenants.tenantA.create();
    selftest::items.create(a);
    EXPECT_THROW(testdb::withTransaction([&](testdb::Transaction& tx) {
                     selftest::items.create(tx, a);
                     tx.exec("SELECT 1/0");  // division by zero: an SQL error
                 }),
                 pqxx::data_exception);
    EXPECT_EQ(selftest::items_of(a), 1);
}

TEST(Rollback, ASecondLeaseWhileOneIsHeldIsAnIsolationError) {
    testdb::Lease held = testdb::getTestDb().acquire("first");
    EXPECT_TRUE(held.nested());
    EXPECT_THROW(testdb::getTestDb().acquire("second"), testdb::IsolationError);
}

TEST(RollbackCommits, RunsInTheTenantTierWithRealThreads) {
    const auto& a = testdb::context().tenants.tenantA.create();
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] { selftest::items.create(a); });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(selftest::items_of(a), 4);
}

TEST(RollbackAfterCommitting, TheCommittingTestWasCleanedUpByDelete) { selftest::expect_starts_clean(); }

TEST(RollbackEndsTransaction, CommitsTheTiersTransaction) {
    selftest::items.createMany(testdb::context().tenants.tenantA, 2);
    testdb::withConnection(
        [](pqxx::connection& conn) { pqxx::nontransaction(conn).exec("COMMIT"); });
}

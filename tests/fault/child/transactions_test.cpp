// Child side of scenario 6: a test whose withTransaction() throws, and a
// test that leaves a lease inside an open transaction. Each must be reported
// against that test only; the tests after them run normally.
#include "child_support.hpp"

using faultchild::items;
using namespace std::chrono_literals;

TEST_CASE("txexc 1: an exception inside withTransaction", "[.txexc]") {
    auto& tenant = testdb::context().tenants.tenantA.create();
    testdb::withTransaction([&](testdb::Transaction& tx) {
        items.createMany(tx, tenant, 3);
        throw std::runtime_error("boom inside withTransaction");
    });
}

TEST_CASE("txexc 2: the next test is unaffected", "[.txexc]") {
    auto& tenant = testdb::context().tenants.tenantA.create();
    items.createMany(tenant, 2);
    CHECK(faultchild::items_of(tenant) == 2);
    // The exception cost no reconnect, and the transaction it ended was
    // rolled back by withTransaction itself: no connection came back open.
    const testdb::PoolStats stats = testdb::getTestDb().pool().stats();
    CHECK(stats.opened == 1);
    CHECK(stats.rolled_back == 0);
}

// Kept past the end of its test on purpose, inside an open transaction.
TEST_CASE("idle 1: keeps a lease idle in a transaction", "[.idle]") {
    static testdb::Lease kept;
    kept = testdb::getTestDb().acquire("idle in transaction on purpose");
    pqxx::nontransaction(kept.connection()).exec("BEGIN; SELECT count(*) FROM items");
    kept.setInTransaction(true);  // as documented for a transaction opened by hand
}

TEST_CASE("idle 2: the next test is unaffected", "[.idle]") {
    auto& tenant = testdb::context().tenants.tenantB.create();
    items.createMany(tenant, 2);
    CHECK(faultchild::items_of(tenant) == 2);
}

// Worse: the kept transaction inserted a row referencing this file's
// tenant, so it holds a lock the tenant's cleanup needs. The cleanup must
// fail in bounded time, naming the cause, instead of waiting forever.
TEST_CASE("idle-lock 1: keeps a transaction that locks its tenant", "[.idle-lock]") {
    static testdb::Lease kept;
    auto& tenant = testdb::context().tenants.tenantA.create();
    kept = testdb::getTestDb().acquire("locks its tenant on purpose");
    pqxx::nontransaction(kept.connection())
        .exec("BEGIN; INSERT INTO items (tenant_id, slug, label) VALUES (" + tenant.id() +
              ", 'idle-row', 'never committed')");
    kept.setInTransaction(true);
}

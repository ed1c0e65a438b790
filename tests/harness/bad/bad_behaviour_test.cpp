// The bad suite: each test case misbehaves on purpose in one way the harness
// must catch. tests/integration/harness_selftest_test.cpp runs it one tag at
// a time as a child process and checks the exit code and the message.
#include "../support.hpp"

TEST_CASE("keeps a lease past its end", "[keeps-lease]") {
    static testdb::Lease kept;
    kept = testdb::getTestDb().acquire("kept on purpose");
    SUCCEED("the lease stays out");
}

TEST_CASE("gives a connection back inside an open transaction", "[open-transaction]") {
    testdb::Lease lease = testdb::getTestDb().acquire("leaves BEGIN open");
    pqxx::nontransaction(lease.connection()).exec("BEGIN");
}

TEST_CASE("leaves rows with cleanup disabled", "[leaves-rows]") {
    auto& ctx = testdb::context();
    ctx.skipCleanup();
    selftest::items.createMany(ctx.tenants.tenantA, 3);
}

TEST_CASE("holds 3 leases and asks for a 4th", "[fourth-lease]") {
    auto& db = testdb::getTestDb();
    testdb::Lease a = db.acquire("first");
    testdb::Lease b = db.acquire("second");
    testdb::Lease c = db.acquire("third");
    testdb::Lease d = db.acquire("fourth");  // throws PoolDeadlock at once
}

TEST_CASE("fails with rows of its tenants", "[keep-failed]") {
    auto& ctx = testdb::context();
    selftest::items.createMany(ctx.tenants.tenantA, 2);
    FAIL_CHECK("failing on purpose");
}

TEST_CASE("passes after the misbehaving ones", "[keeps-lease][open-transaction][leaves-rows]") {
    selftest::check_starts_clean();
}

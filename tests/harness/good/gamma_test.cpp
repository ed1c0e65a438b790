// Good suite, file 3 of 5: the round trips the harness adds to a test case.
// Catch2 runs a file's test cases in declaration order, so each test reads
// what the one before it cost.
#include "../support.hpp"

namespace {
unsigned long long g_mark = 0;

bool rollback_tier() { return testdb::suiteIsolation() == testdb::Isolation::Rollback; }
}

TEST_CASE("gamma: starts with no rows of any file", "[good]") { selftest::check_starts_clean(); }

TEST_CASE("gamma: a test that makes one tenant", "[good][round-trips]") {
    g_mark = testdb::harnessStatements();
    testdb::context().tenants.tenantA.create();
}

TEST_CASE("gamma: ...cost 2 round trips: create and cleanup", "[good][round-trips]") {
    // Tenant tier: INSERT tenant + DELETE at cleanup. Rollback tier: INSERT,
    // the ROLLBACK of that test and the BEGIN of this one.
    CHECK(testdb::harnessStatements() - g_mark == (rollback_tier() ? 3 : 2));
    g_mark = testdb::harnessStatements();
}

TEST_CASE("gamma: a test that makes no tenant...", "[good][round-trips]") {
    g_mark = testdb::harnessStatements();
}

TEST_CASE("gamma: ...costs no round trip at all", "[good][round-trips]") {
    // Rollback tier: the previous test's ROLLBACK and this one's BEGIN.
    CHECK(testdb::harnessStatements() - g_mark == (rollback_tier() ? 2 : 0));
}

TEST_CASE("gamma: tenants A and B are isolated", "[good]") { selftest::check_isolation(1, 1); }

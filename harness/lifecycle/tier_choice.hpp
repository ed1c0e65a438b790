// Private: how the run's isolation tier reaches getTestDb(). The tier is an
// input of the session: the pool is built once, against the database it will
// use (the per-run clone in the database tier), and never replaced.
#pragma once

#include <string>
#include <vector>

#include "testdb/isolation.hpp"
#include "testdb/lifecycle.hpp"
#include "testdb/pool.hpp"

namespace testdb {
class TestDb;

namespace detail {

/// Marks this process as a test run whose suite settings choose the tier
/// (registerSuite() and the lifecycle's run start call it).
void claimRunTier();
/// The tier the run chose at its start (from the schema when none was
/// asked for); suiteIsolation() returns it from then on.
void setRunTier(Isolation isolation);
/// Who asked for the tier: "TESTDB_ISOLATION=x", "ISOLATION x of suite S",
/// or "" when nobody did (the schema chooses).
std::string isolationOrigin();
/// True once claimRunTier() ran: getTestDb() then builds its pool in the
/// suite's tier. Other programs (tools, benchmarks) get the configured
/// database as it is.
bool runTierClaimed();
/// The tier a run works in, chosen at its start from the settings and the
/// schema.
struct RunTier {
    Isolation isolation = Isolation::Tenant;  ///< the tier
    bool tenant_table = true;                 ///< the tenant table exists
    /// Test cases end with the touched tier's restore (the touched tier;
    /// and without a tenant table the database tier and rollback-tier test
    /// cases that commit).
    bool touched = false;
    std::string notice;  ///< the line to print first ("" for none)
};
/// Chooses the run's tier in the database of `pool` (the schema applied):
/// with no tier asked for and no tenant table, rollback; the tenant tier
/// asked for without its table is a ConfigError. Sets the touched tier's
/// triggers up where it is needed, and records the tier (setRunTier()).
RunTier chooseRunTier(Pool& pool, const std::vector<TestCaseInfo>& tests);
/// Throws IsolationError when `db` was built before the run chose
/// `isolation` and cannot serve it (the database tier needs the clone).
void requireTierOf(const TestDb& db, Isolation isolation);

}  // namespace detail
}  // namespace testdb

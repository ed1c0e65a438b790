// Private: how the run's isolation tier reaches getTestDb(). The tier is an
// input of the session: the pool is built once, against the database it will
// use (the per-run clone in the database tier), and never replaced.
#pragma once

#include "testdb/isolation.hpp"

namespace testdb {
class TestDb;

namespace detail {

/// Marks this process as a test run whose suite settings choose the tier
/// (registerSuite() and the lifecycle's run start call it).
void claimRunTier();
/// True once claimRunTier() ran: getTestDb() then builds its pool in the
/// suite's tier. Other programs (tools, benchmarks) get the configured
/// database as it is.
bool runTierClaimed();
/// Throws IsolationError when `db` was built before the run chose
/// `isolation` and cannot serve it (the database tier needs the clone).
void requireTierOf(const TestDb& db, Isolation isolation);

}  // namespace detail
}  // namespace testdb

// Private: one rollback-tier test case: a pinned connection with an open
// transaction, rolled back at the end.
#pragma once

#include <string>

#include "testdb/lease.hpp"
#include "testdb/pool.hpp"

namespace testdb::detail {

/// Pins a connection of `pool` and opens the test case's transaction on it;
/// every acquire() of the test case then borrows that connection.
class RollbackScope {
public:
    /// Pins and sends BEGIN. `test_name` labels the pinned lease.
    RollbackScope(Pool& pool, const std::string& test_name);
    RollbackScope(const RollbackScope&) = delete;
    RollbackScope& operator=(const RollbackScope&) = delete;
    /// Ends the scope if end() did not (rolls back, never throws).
    ~RollbackScope();

    /// Unpins, rolls the transaction back and releases the connection.
    /// Returns false when the test had already ended the transaction itself
    /// (a COMMIT, so its rows are real and need the tenant cleanup).
    bool end();

private:
    Pool& pool_;
    Lease lease_;
    bool ended_ = false;
};

}  // namespace testdb::detail

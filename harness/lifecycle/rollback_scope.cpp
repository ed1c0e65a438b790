#include "harness/lifecycle/rollback_scope.hpp"

#include <pqxx/nontransaction>

#include "harness/common/log.hpp"
#include "harness/tenancy/tenant_catalog.hpp"

namespace testdb::detail {

RollbackScope::RollbackScope(Pool& pool, const std::string& test_name)
    : pool_(pool), lease_(pool.pin("testdb rollback tier: " + test_name)) {
    try {
        count_statement();
        pqxx::nontransaction(lease_.connection(), "testdb: begin test").exec("BEGIN");
    } catch (...) {
        pool_.unpin();
        throw;
    }
}

RollbackScope::~RollbackScope() {
    try {
        end();
    } catch (const std::exception& e) {
        log().warn("rollback of the test case's transaction failed: {}", e.what());
    }
}

bool RollbackScope::end() {
    if (ended_) {
        return true;
    }
    ended_ = true;
    pool_.unpin();
    const bool still_open = lease_.serverInTransaction();
    if (still_open) {
        count_statement();
        pqxx::nontransaction(lease_.connection(), "testdb: end test").exec("ROLLBACK");
    }
    lease_.release();
    return still_open;
}

}  // namespace testdb::detail

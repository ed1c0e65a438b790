// The rollback tier's SAVEPOINTs: what withTransaction() does when the test
// case's own transaction is already open on the connection.
#include <pqxx/nontransaction>

#include "harness/common/log.hpp"
#include "testdb/errors.hpp"
#include "testdb/test_db.hpp"

namespace testdb::detail {
namespace {

// The innermost withTransaction() of this thread in a rollback-tier test.
thread_local Transaction* t_open_tx = nullptr;
thread_local std::shared_ptr<const SavepointMark> t_mark;

}  // namespace

Transaction* pinnedTransaction() { return t_open_tx; }
std::shared_ptr<const SavepointMark> currentSavepoint() { return t_mark; }

Savepoint::Savepoint(pqxx::connection& conn, Transaction* open)
    : conn_(conn), open_(open), mark_(std::make_shared<SavepointMark>()) {
    mark_->parent = t_mark;
    send("SAVEPOINT testdb_tx");
}

Savepoint::~Savepoint() {
    if (done_) {
        return;
    }
    mark_->rolled_back = true;
    try {
        // Undo the failed work; the test's transaction itself goes on.
        // PostgreSQL resolves the name to the innermost savepoint.
        send("ROLLBACK TO SAVEPOINT testdb_tx; RELEASE SAVEPOINT testdb_tx");
    } catch (const std::exception& e) {
        log().warn("could not roll back to the savepoint: {}", e.what());
    }
}

void Savepoint::release() {
    send("RELEASE SAVEPOINT testdb_tx");
    done_ = true;
}

void Savepoint::send(const char* sql) {
    if (open_ != nullptr) {
        open_->exec(sql);
        return;
    }
    pqxx::nontransaction tx(conn_, "testdb savepoint control");
    tx.exec(sql);
}

Savepoint::Active::Active(Savepoint& savepoint, Transaction& tx)
    : previous_tx_(t_open_tx), previous_mark_(t_mark) {
    t_open_tx = &tx;
    t_mark = savepoint.mark_;
}

Savepoint::Active::~Active() {
    t_open_tx = previous_tx_;
    t_mark = previous_mark_;
}

void throwWorkInsideRollbackTest(SourceLocation where) {
    throw IsolationError(
        "IsolationError: withTransaction() at " + where.toString() +
        " got a function taking pqxx::work& inside a rollback-tier test case, whose transaction is already open (a pqxx::work would "
        "COMMIT it).\nFix: take `testdb::Transaction& tx` (or `auto& tx`) instead, or tag "
        "the test case [commits] to run it in the tenant tier.");
}

}  // namespace testdb::detail

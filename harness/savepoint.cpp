// The rollback tier's SAVEPOINTs: what withTransaction() does when the test
// case's own transaction is already open on the connection.
#include <pqxx/nontransaction>

#include "harness/detail/log.hpp"
#include "testdb/errors.hpp"
#include "testdb/test_db.hpp"

namespace testdb::detail {
namespace {

void send(pqxx::connection& conn, const char* sql) {
    pqxx::nontransaction tx(conn, "testdb savepoint control");
    tx.exec(sql);
}

}  // namespace

Savepoint::Savepoint(pqxx::connection& conn) : conn_(conn) {
    send(conn_, "SAVEPOINT testdb_tx");
}

Savepoint::~Savepoint() {
    if (done_) {
        return;
    }
    try {
        // Undo the failed work; the test's transaction itself goes on.
        send(conn_, "ROLLBACK TO SAVEPOINT testdb_tx; RELEASE SAVEPOINT testdb_tx");
    } catch (const std::exception& e) {
        log().warn("could not roll back to the savepoint: {}", e.what());
    }
}

void Savepoint::release() {
    send(conn_, "RELEASE SAVEPOINT testdb_tx");
    done_ = true;
}

void throwWorkInsideRollbackTest() {
    throw IsolationError(
        "IsolationError: withTransaction() got a function taking pqxx::work& inside a "
        "rollback-tier test case, whose transaction is already open (a pqxx::work would "
        "COMMIT it).\nFix: take `testdb::Transaction& tx` (or `auto& tx`) instead, or tag "
        "the test case [commits] to run it in the tenant tier.");
}

}  // namespace testdb::detail

// Private: a libpqxx connection whose libpq handle the pool can read.
//
// The pool must know, without a round trip, whether a connection given back
// is still healthy and outside a transaction (pgxpool checks the same on
// release). libpq answers both locally (PQstatus, PQtransactionStatus); how a
// program reaches the handle differs between libpqxx versions and lives in
// pqxx_compat.
#pragma once

#include <poll.h>

#include <string>

#include <libpq-fe.h>
#include <pqxx/connection>

#include "harness/pool/pqxx_compat.hpp"

namespace testdb::detail {

/// pqxx::connection with a reachable libpq handle and no silent reconnects:
/// a broken connection stays broken, so the pool (not libpqxx) decides to
/// replace it and counts the replacement.
class PooledConnection {
public:
    /// Connects now; throws pqxx::broken_connection on failure.
    explicit PooledConnection(const std::string& options)
        : opened_(pqxx_compat::connect_with_handle(options)) {}
    PooledConnection(const PooledConnection&) = delete;
    PooledConnection& operator=(const PooledConnection&) = delete;

    /// The connection tests use.
    pqxx::connection& connection() noexcept { return *opened_.connection; }

    /// The libpq handle, owned by connection().
    PGconn* raw() const noexcept { return opened_.handle; }

    /// Connected and usable, as far as libpq knows without asking the server.
    bool healthy() const noexcept {
        return raw() != nullptr && PQstatus(raw()) == CONNECTION_OK;
    }

    /// False when the server has closed the connection while it sat idle
    /// (terminated backend, restart). One poll() of the socket, no round
    /// trip: the server's goodbye message or EOF makes the socket readable.
    bool alive() const noexcept {
        if (!healthy()) {
            return false;
        }
        // A terminated backend sends its FATAL message and then closes; one
        // read may return only the message, so read until the socket is quiet
        // (a few rounds at most) or libpq notices the end of the stream.
        for (int round = 0; round < 4; ++round) {
            pollfd fd{PQsocket(raw()), POLLIN, 0};
            if (::poll(&fd, 1, 0) == 0) {
                return true;  // nothing (more) arrived: still connected
            }
            if (PQconsumeInput(raw()) == 0 || PQstatus(raw()) != CONNECTION_OK) {
                return false;
            }
        }
        return false;  // the server keeps talking to an idle connection: distrust it
    }

    /// libpq's view of the transaction state (no round trip).
    PGTransactionStatusType transaction_status() const noexcept {
        return raw() == nullptr ? PQTRANS_UNKNOWN : PQtransactionStatus(raw());
    }

private:
    pqxx_compat::HandledConnection opened_;
};

}  // namespace testdb::detail

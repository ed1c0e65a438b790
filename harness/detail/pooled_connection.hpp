// Private: a libpqxx connection that exposes its libpq handle.
//
// The pool must know, without a round trip, whether a connection given back
// is still healthy and outside a transaction (pgxpool checks the same on
// release). libpq answers both locally (PQstatus, PQtransactionStatus), but
// libpqxx 6.4 keeps its PGconn* private. Its public extension point, the
// connection policy, sees the handle whenever libpqxx opens or drops it, so a
// policy that remembers it gives us the handle without touching internals.
#pragma once

#include <poll.h>

#include <string>

#include <libpq-fe.h>
#include <pqxx/connection>

namespace testdb::detail {

/// connect_direct that remembers the handle it opened.
class HandleCapturingPolicy : public pqxx::connect_direct {
public:
    explicit HandleCapturingPolicy(const std::string& options) : pqxx::connect_direct(options) {}

    handle do_startconnect(handle orig) override {
        handle_ = pqxx::connect_direct::do_startconnect(orig);
        return handle_;
    }
    handle do_dropconnect(handle orig) noexcept override {
        handle_ = pqxx::connect_direct::do_dropconnect(orig);
        return handle_;
    }
    handle do_disconnect(handle orig) noexcept override {
        handle_ = pqxx::connect_direct::do_disconnect(orig);
        return handle_;
    }

    /// The libpq handle, or nullptr when not connected.
    PGconn* raw() const noexcept { return handle_; }

private:
    PGconn* handle_ = nullptr;
};

/// pqxx::connection with a reachable libpq handle and no silent reconnects:
/// a broken connection stays broken, so the pool (not libpqxx) decides to
/// replace it and counts the replacement.
class PooledConnection : public pqxx::connection_base {
public:
    /// Connects now; throws pqxx::broken_connection on failure.
    explicit PooledConnection(const std::string& options)
        : pqxx::connection_base(policy_), options_(options), policy_(options_) {
        init();
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
        inhibit_reactivation(true);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
    }
    ~PooledConnection() noexcept { close(); }
    PooledConnection(const PooledConnection&) = delete;
    PooledConnection& operator=(const PooledConnection&) = delete;

    /// The libpq handle (nullptr once closed).
    PGconn* raw() const noexcept { return policy_.raw(); }

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
    std::string options_;
    HandleCapturingPolicy policy_;
};

}  // namespace testdb::detail

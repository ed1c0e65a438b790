/// @file lease.hpp
/// @brief testdb::Lease: exclusive, RAII use of one pooled connection.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <pqxx/connection>

#include "testdb/source_location.hpp"

namespace testdb {

namespace detail {
class PoolCore;
}

/// Who holds a connection, from where, since when: the material of
/// PoolTimeout messages and leak reports.
struct LeaseInfo {
    std::string label;   ///< caller-supplied label, else the current test's name
    std::string file;    ///< source file that acquired the lease
    int line = 0;        ///< source line that acquired the lease
    std::chrono::steady_clock::time_point since;  ///< when it was acquired
    std::thread::id thread;                       ///< the thread that acquired it
    bool in_transaction = false;                  ///< inside withTransaction()

    /// `"label" at file:line for 1.2 s (in transaction)`.
    std::string describe(std::chrono::steady_clock::time_point now) const;
};

/// Move-only handle to one connection of the pool. While you hold it, the
/// connection is yours alone (libpqxx's rule: one connection, one thread);
/// its destructor gives the connection back. A connection given back broken
/// is discarded (and replaced on a later acquire); one given back inside an
/// open transaction is rolled back and reported as a leak.
class Lease {
public:
    /// An empty lease (holds nothing).
    Lease() noexcept = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    /// Returns the connection to the pool (see release()).
    ~Lease();

    /// The connection; use it with pqxx::work, pqxx::nontransaction, etc.
    /// Throws Error on an empty or released lease.
    pqxx::connection& connection() const;
    /// Shorthand for connection().
    pqxx::connection* operator->() const { return &connection(); }
    /// Shorthand for connection().
    pqxx::connection& operator*() const { return connection(); }

    /// True while this lease holds a connection.
    explicit operator bool() const noexcept { return core_ != nullptr; }
    /// Who holds it, from where (empty info for an empty lease).
    LeaseInfo info() const;
    /// The server process id of the connection (for pg_terminate_backend and
    /// pg_stat_activity checks).
    int backendPid() const;
    /// Deprecated spelling of backendPid().
    [[deprecated("use backendPid()")]] int backend_pid() const { return backendPid(); }

    /// Gives the connection back now; the lease becomes empty. Idempotent.
    void release() noexcept;

    /// Marks the lease as inside (or outside) a transaction, for reports.
    /// withTransaction() does this; call it yourself when you open a
    /// pqxx::work on the lease by hand and want reports to say so.
    void setInTransaction(bool in_transaction) noexcept;
    /// Deprecated spelling of setInTransaction().
    [[deprecated("use setInTransaction()")]] void set_in_transaction(bool in_transaction) noexcept {
        setInTransaction(in_transaction);
    }

    /// True when this lease lends the pinned connection of a rollback-tier
    /// test case, whose transaction is already open: withTransaction() then
    /// runs inside a SAVEPOINT, and giving the lease back keeps the
    /// connection pinned (see isolation.hpp).
    bool nested() const noexcept { return borrowed_; }

    /// True while the server has a transaction open on this connection
    /// (BEGIN without COMMIT/ROLLBACK yet). False for an empty lease.
    bool serverInTransaction() const;
    /// Deprecated spelling of serverInTransaction().
    [[deprecated("use serverInTransaction()")]] bool server_in_transaction() const {
        return serverInTransaction();
    }

private:
    friend class detail::PoolCore;
    Lease(std::shared_ptr<detail::PoolCore> core, std::size_t slot, bool borrowed = false) noexcept
        : core_(std::move(core)), slot_(slot), borrowed_(borrowed) {}

    std::shared_ptr<detail::PoolCore> core_;
    std::size_t slot_ = 0;
    bool borrowed_ = false;
};

}  // namespace testdb

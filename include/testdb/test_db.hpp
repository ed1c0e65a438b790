/// @file test_db.hpp
/// @brief testdb::getTestDb(): the one process-wide owner of the config, the
/// embedded server (if any) and the pool, shared by every translation unit.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include "testdb/config.hpp"
#include "testdb/embedded_server.hpp"
#include "testdb/lease.hpp"
#include "testdb/pool.hpp"
#include "testdb/process_budget.hpp"
#include "testdb/source_location.hpp"

namespace testdb {

/// The process-wide test database: settings, server, pool, run identity.
/// Get it with getTestDb(); never construct one.
struct SuiteSettings;

class TestDb {
public:
    TestDb(const TestDb&) = delete;
    TestDb& operator=(const TestDb&) = delete;
    ~TestDb();

    /// The settings in force (password masked by toString()).
    const Config& config() const { return config_; }
    /// The pool of at most connection_limit connections.
    Pool& pool() { return *pool_; }
    /// Short random token naming this process's run: in application_name
    /// and in tenant slugs, so two processes on one database never collide.
    const std::string& runToken() const { return run_token_; }
    /// Deprecated spelling of runToken().
    [[deprecated("use runToken()")]] const std::string& run_token() const { return runToken(); }
    /// The embedded server, when testdb started one (nullptr otherwise).
    const EmbeddedServer* embeddedServer() const {
        return server_ ? &*server_ : nullptr;
    }
    /// Deprecated spelling of embeddedServer().
    [[deprecated("use embeddedServer()")]] const EmbeddedServer* embedded_server() const {
        return embeddedServer();
    }

    /// The slot of the cross-process budget this process holds
    /// (TESTDB_MAX_PROCESSES), or nullptr when no budget is configured.
    const ProcessSlot* processSlot() const { return slot_.get(); }
    /// Deprecated spelling of processSlot().
    [[deprecated("use processSlot()")]] const ProcessSlot* process_slot() const {
        return processSlot();
    }
    /// Same as pool().acquire().
    Lease acquire(std::string label = {}, SourceLocation where = SourceLocation::current()) {
        return pool_->acquire(std::move(label), where);
    }

    /// Database tier: the process works in its own database,
    /// `testdb_run_<run token>`, cloned (STRATEGY FILE_COPY) from a template
    /// built once per schema hash (`testdb_tpl_<hash>`, serialised by an
    /// advisory lock so concurrent processes never race), and drops it at
    /// shutdown(). The tier is chosen before getTestDb() builds the pool
    /// (registerSuite() with isolation "database", or TESTDB_ISOLATION), so
    /// the pool is built against the clone and never replaced. Kept for
    /// existing code: returns when the clone is in use, and throws
    /// IsolationError otherwise.
    [[deprecated("choose the database tier with registerSuite() or TESTDB_ISOLATION")]]
    void useClonedDatabase(const std::filesystem::path& schema_file);
    /// The cloned database's name; empty outside the database tier.
    const std::string& clonedDatabase() const { return cloned_database_; }

    /// Leaves the embedded server running (and its files in place) at
    /// shutdown, so kept rows can be inspected; the next run removes it.
    void keepEmbeddedServer() { keep_server_ = true; }

    /// Closes the pool and stops the embedded server. Safe to call twice
    /// (the second call reports already_shut_down). Leases still out are
    /// reported by holder and logged as errors.
    ShutdownReport shutdown(SourceLocation where = SourceLocation::current());

private:
    friend TestDb& getTestDb();
    TestDb();
    void cloneDatabase(const SuiteSettings& suite);
    void dropClonedDatabase() noexcept;

    Config config_;
    std::string run_token_;
    std::optional<EmbeddedServer> server_;
    std::unique_ptr<ProcessSlot> slot_;  // claimed before the pool opens anything
    std::unique_ptr<Pool> pool_;
    std::optional<ShutdownReport> shutdown_report_;
    bool keep_server_ = false;
    std::optional<Config> admin_config_;  // the configured database, for DROP
    std::string cloned_database_;
};

/// The process-wide TestDb: created on first use (thread-safe), the same
/// object in every translation unit. Throws ConfigError, ServerUnavailable or
/// EmbeddedServerError on the first call when settings or server are wrong
/// (and again on later calls, since nothing was created).
TestDb& getTestDb();

/// What withTransaction() hands its function: write `testdb::Transaction& tx`
/// (or `auto& tx`) so the same code runs in every isolation tier.
using Transaction = pqxx::transaction_base;

namespace detail {

/// One SAVEPOINT of the rollback tier, as seen by work done inside it: a
/// tenant row created there is gone once this savepoint, or one around it,
/// is rolled back.
struct SavepointMark {
    std::shared_ptr<const SavepointMark> parent;  ///< the savepoint around it, if any
    bool rolled_back = false;                     ///< ROLLBACK TO SAVEPOINT was sent
    /// True when this savepoint or one around it was rolled back.
    bool undone() const {
        for (const SavepointMark* mark = this; mark != nullptr; mark = mark->parent.get()) {
            if (mark->rolled_back) {
                return true;
            }
        }
        return false;
    }
};

/// The transaction object of the innermost withTransaction() running on
/// this thread inside a rollback-tier test case (nullptr outside one):
/// nested work runs through it, since libpqxx allows one transaction object
/// per connection and the test has one connection.
Transaction* pinnedTransaction();
/// The innermost savepoint open on this thread (nullptr outside one).
std::shared_ptr<const SavepointMark> currentSavepoint();

/// A SAVEPOINT on a connection whose transaction is already open (the
/// rollback tier): released by release(), rolled back to if destroyed first.
/// Nested savepoints go through the enclosing one's transaction object.
class Savepoint {
public:
    /// Sends SAVEPOINT, through `open` when an enclosing savepoint's
    /// transaction object is alive, else on `conn` directly.
    Savepoint(pqxx::connection& conn, Transaction* open);
    Savepoint(const Savepoint&) = delete;
    Savepoint& operator=(const Savepoint&) = delete;
    /// ROLLBACK TO SAVEPOINT unless release() ran (never throws).
    ~Savepoint();
    /// RELEASE SAVEPOINT: the work stays part of the enclosing transaction.
    void release();

    /// While alive, makes `tx` this thread's pinnedTransaction() and this
    /// savepoint its currentSavepoint(); restores the previous ones after.
    class Active {
    public:
        /// Enters `savepoint` with `tx` as the thread's transaction object.
        Active(Savepoint& savepoint, Transaction& tx);
        Active(const Active&) = delete;
        Active& operator=(const Active&) = delete;
        /// Restores the enclosing savepoint (if any).
        ~Active();

    private:
        Transaction* previous_tx_;
        std::shared_ptr<const SavepointMark> previous_mark_;
    };

private:
    void send(const char* sql);

    pqxx::connection& conn_;
    Transaction* open_;
    std::shared_ptr<SavepointMark> mark_;
    bool done_ = false;
};

/// Throws IsolationError naming `where`: a `pqxx::work&` function cannot
/// run inside a rollback-tier test, whose transaction is already open.
[[noreturn]] void throwWorkInsideRollbackTest(SourceLocation where);

/// Runs `fn` inside a SAVEPOINT on the lease's open transaction; inside
/// another withTransaction() of the same test, nested in its savepoint.
template <typename Fn>
auto inSavepoint(Lease& lease, Fn&& fn) {
    Transaction* const open = pinnedTransaction();
    Savepoint savepoint(lease.connection(), open);
    // The transaction object must be gone before RELEASE is sent: libpqxx
    // allows one transaction object per connection at a time.
    auto run = [&]() -> decltype(auto) {
        if (open != nullptr) {
            Savepoint::Active active(savepoint, *open);
            return std::forward<Fn>(fn)(*open);
        }
        pqxx::nontransaction tx(lease.connection(), "testdb savepoint");
        Savepoint::Active active(savepoint, tx);
        return std::forward<Fn>(fn)(static_cast<Transaction&>(tx));
    };
    if constexpr (std::is_void_v<std::invoke_result_t<Fn, Transaction&>>) {
        run();
        savepoint.release();
    } else {
        auto result = run();
        savepoint.release();
        return result;
    }
}

}  // namespace detail

/// Runs `fn(testdb::Transaction&)` in one transaction on a leased
/// connection: COMMIT when it returns, ROLLBACK when it throws (the
/// exception propagates). The connection stays in the pool either way; an
/// SQL error never costs a reconnect. Returns what `fn` returns.
///
/// Inside a rollback-tier test case the lease is nested() and the work runs
/// in a SAVEPOINT of the test's transaction instead (released on return,
/// rolled back to on an exception), so nothing is committed. A function
/// that takes `pqxx::work&` works in the tenant and database tiers only;
/// in the rollback tier it is an IsolationError naming `where` (the caller).
template <typename Fn>
auto withTransaction(Lease& lease, Fn&& fn, SourceLocation where = SourceLocation::current()) {
    if constexpr (std::is_invocable_v<Fn, Transaction&>) {
        if (lease.nested()) {
            return detail::inSavepoint(lease, std::forward<Fn>(fn));
        }
    } else {
        if (lease.nested()) {
            detail::throwWorkInsideRollbackTest(where);
        }
    }
    pqxx::work tx(lease.connection());
    lease.setInTransaction(true);
    struct ClearFlag {
        Lease& lease;
        ~ClearFlag() { lease.setInTransaction(false); }
    } clear{lease};
    if constexpr (std::is_void_v<std::invoke_result_t<Fn, pqxx::work&>>) {
        std::forward<Fn>(fn)(tx);
        tx.commit();
    } else {
        auto result = std::forward<Fn>(fn)(tx);
        tx.commit();
        return result;
    }
}

/// Leases a connection from getTestDb() for the duration of one transaction
/// (see withTransaction(Lease&, Fn)).
template <typename Fn>
auto withTransaction(Fn&& fn, std::string label = {},
                     SourceLocation where = SourceLocation::current()) {
    Lease lease = getTestDb().acquire(std::move(label), where);
    return withTransaction(lease, std::forward<Fn>(fn), where);
}

/// Runs `fn(pqxx::connection&)` on a connection leased from `pool` and
/// gives it back afterwards, also when `fn` throws. For work that needs no
/// transaction, or manages its own.
template <typename Fn>
auto withConnection(Pool& pool, Fn&& fn, std::string label = {},
                    SourceLocation where = SourceLocation::current()) {
    Lease lease = pool.acquire(std::move(label), where);
    return std::forward<Fn>(fn)(lease.connection());
}

/// withConnection(Pool&, Fn) on getTestDb()'s pool.
template <typename Fn>
auto withConnection(Fn&& fn, std::string label = {},
                    SourceLocation where = SourceLocation::current()) {
    return withConnection(getTestDb().pool(), std::forward<Fn>(fn), std::move(label), where);
}

}  // namespace testdb

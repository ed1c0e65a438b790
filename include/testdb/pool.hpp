/// @file pool.hpp
/// @brief testdb::Pool: at most connection_limit libpqxx connections, opened
/// lazily, handed out as Leases first come, first served.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "testdb/config.hpp"
#include "testdb/lease.hpp"
#include "testdb/lease_timeline.hpp"
#include "testdb/source_location.hpp"

namespace testdb {

/// Counters of one pool since it was created.
struct PoolStats {
    std::uint64_t acquires = 0;  ///< leases handed out
    std::uint64_t waits = 0;     ///< acquires that found no free connection and waited
    std::chrono::nanoseconds total_wait{0};  ///< summed waiting time
    std::chrono::nanoseconds max_wait{0};    ///< longest single wait
    std::uint64_t timeouts = 0;        ///< PoolTimeout thrown
    std::uint64_t deadlocks = 0;       ///< PoolDeadlock thrown
    int in_use = 0;                    ///< leases out right now
    int waiting = 0;                   ///< callers waiting for a connection right now
    int peak_in_use = 0;               ///< most open connections lent out at once
                                       ///< (an attempt the server refused is none)
    std::uint64_t opened = 0;          ///< connections opened (including replacements)
    std::uint64_t replaced = 0;        ///< broken connections discarded and reopened
    std::uint64_t rolled_back = 0;     ///< connections given back mid-transaction
};

/// What shutdown() found.
struct ShutdownReport {
    bool already_shut_down = false;        ///< true on the second and later calls
    std::vector<LeaseInfo> outstanding;    ///< leases still held at shutdown
    PoolStats stats;                       ///< final counters
};

/// A fixed-capacity pool shared by every thread of the process.
///
/// One mutex, one condition variable, a FIFO of waiters and a deadline:
/// a caller that finds every connection taken waits its turn for at most
/// pool_timeout, then gets a PoolTimeout naming each holder.
class Pool {
public:
    /// A pool for `config`; `run_token` is appended to application_name so the
    /// server can tell this process's backends apart. Opens nothing yet.
    Pool(Config config, std::string run_token);
    /// Shuts down (see shutdown()) if that was not done.
    ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    /// Hands out a connection, opening one if none is idle and the limit
    /// allows. Throws PoolTimeout, PoolDeadlock, PoolClosed, ServerUnavailable
    /// or ServerRefused.
    /// @param label who asks (defaults to the label provider, e.g. the test name)
    /// @param where the caller's source location (captured automatically)
    Lease acquire(std::string label = {}, SourceLocation where = SourceLocation::current());

    /// Acquires a connection and pins it: until unpin(), every acquire()
    /// from the pinning thread lends that same connection (a Lease whose
    /// nested() is true), one borrower at a time. A second borrower, or an
    /// acquire() from another thread, throws IsolationError at once. The
    /// rollback tier pins one connection per test case this way.
    Lease pin(std::string label, SourceLocation where = SourceLocation::current());
    /// Ends pinning; the pinned Lease itself is then released normally.
    void unpin();
    /// Current counters.
    PoolStats stats() const;
    /// Everyone holding a lease right now.
    std::vector<LeaseInfo> holders() const;
    /// The leases recorded so far (who held which slot when, who waited);
    /// `enabled` is false when TESTDB_RECORD_LEASES=0.
    LeaseTimeline leaseTimeline() const;
    /// The settings the pool was made with.
    const Config& config() const;
    /// The run token in every connection's application_name.
    const std::string& runToken() const;
    /// Deprecated spelling of runToken().
    [[deprecated("use runToken()")]] const std::string& run_token() const { return runToken(); }
    /// Exactly the application_name each connection of this pool reports.
    std::string applicationName() const;
    /// Deprecated spelling of applicationName().
    [[deprecated("use applicationName()")]] std::string application_name() const {
        return applicationName();
    }

    /// Supplies the label used when acquire() gets none (testdb's Catch2
    /// listener sets the current test case name).
    void setLabelProvider(std::function<std::string()> provider);
    /// Deprecated spelling of setLabelProvider().
    [[deprecated("use setLabelProvider()")]]
    void set_label_provider(std::function<std::string()> provider) {
        setLabelProvider(std::move(provider));
    }
    /// Runs `check(label, where)` before every acquire(); an exception it
    /// throws refuses the lease (testdb's listener refuses work that
    /// outlived its test case this way).
    void setAcquireCheck(std::function<void(const std::string& label, SourceLocation where)> check);
    /// Deprecated spelling of setAcquireCheck().
    [[deprecated("use setAcquireCheck()")]]
    void set_acquire_check(
        std::function<void(const std::string& label, SourceLocation where)> check) {
        setAcquireCheck(std::move(check));
    }

    /// Closes every idle connection and refuses further acquires. Leases still
    /// out are reported in the result (and their connections closed when they
    /// come back). Safe to call twice: the second call reports
    /// already_shut_down and changes nothing.
    ShutdownReport shutdown(SourceLocation where = SourceLocation::current());
    /// Where shutdown() was first called; an empty location while open.
    SourceLocation shutDownAt() const;
    /// Deprecated spelling of shutDownAt().
    [[deprecated("use shutDownAt()")]] SourceLocation shut_down_at() const { return shutDownAt(); }
    /// True once shutdown() ran.
    bool isShutDown() const;
    /// Deprecated spelling of isShutDown().
    [[deprecated("use isShutDown()")]] bool is_shut_down() const { return isShutDown(); }

private:
    std::shared_ptr<detail::PoolCore> core_;
};

}  // namespace testdb

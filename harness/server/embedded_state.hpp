// Private: the state behind testdb::EmbeddedServer and the file-level steps
// of its life cycle (directory, initdb, cache, markers, removal), shared by
// start()/stop() and by stopDetached()/sweepOrphans(), which only have a
// directory to go on.
//
// Layout of a server directory <base>/testdb-XXXXXX (mode 0700, owned by the
// server user):
//   data/          PGDATA (postgres writes data/postmaster.pid, pid first)
//   .s.PGSQL.<port> the Unix socket
//   server.log     postgres' stdout and stderr
//   owner.pid      "<pid> <start time>" of the process that owns the server;
//                  sweepOrphans() removes the directory once it is dead
//   detached       instead of owner.pid after detach(): never swept
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "harness/server/process.hpp"
#include "testdb/embedded_server.hpp"

namespace testdb::detail {

/// Everything one EmbeddedServer owns. Shared between its owner and the
/// signal watcher thread, which may call cleanup() at any moment.
class EmbeddedServerState {
public:
    std::filesystem::path dir;      ///< the private temporary directory
    std::filesystem::path bin;      ///< where initdb and postgres were found
    std::string database;           ///< the test database created at start
    int port = 0;                   ///< port (names the socket file)
    int tcp_port = 0;               ///< 127.0.0.1 port, 0 = Unix socket only
    std::string tcp_password;       ///< required over TCP (see embedded_tcp_auth.hpp)
    std::atomic<pid_t> pid{0};      ///< the postmaster, 0 when none
    EmbeddedServerTimings timings;  ///< measured by start()
    std::atomic<bool> running{false};
    bool prepared_db = false;       ///< data came from the cache, whose database is renamed
    std::filesystem::path cache_entry;  ///< the cache entry used, empty without the cache
    bool detached = false;          ///< left running on destruction
    bool cleaned = false;           ///< cleanup() ran (guarded by mutex)
    std::uint64_t signal_id = 0;    ///< registration with signal_cleanup
    std::mutex mutex;               ///< serialises cleanup() against start's spawn

    EmbeddedServerState() = default;
    EmbeddedServerState(const EmbeddedServerState&) = delete;
    EmbeddedServerState& operator=(const EmbeddedServerState&) = delete;
    /// Calls shutdown() unless detached.
    ~EmbeddedServerState();

    /// Stops the postmaster (SIGQUIT, SIGKILL after 10 s) and removes the
    /// directory. Idempotent; safe from the signal watcher thread.
    void cleanup();
    /// Unregisters from signal cleanup, then cleanup(). Owner thread only.
    void shutdown();
};

/// Creates <base>/testdb-XXXXXX (0700, owned by `user`) holding owner.pid.
/// Throws EmbeddedServerError when `base` is missing, not writable, not
/// reachable by the server user, or too long for a Unix socket path.
std::filesystem::path make_server_dir(const std::filesystem::path& base, const ServerUser& user);

/// Runs initdb into `data` as `user`. Throws with initdb's output on failure.
void run_initdb(const std::filesystem::path& bin, const std::filesystem::path& data,
                const ServerUser& user);

/// The initialised data directory cached for this server version and user.
/// When missing it is built first, under a file lock, in a temporary name
/// that is renamed into place when complete: initdb, then `prepare(dir)`
/// (which creates `prepared_database` in it). `built` says whether this call
/// built it. nullopt when the cache cannot be used (unwritable, foreign
/// owner): the caller runs initdb itself.
std::optional<std::filesystem::path> cached_data_dir(
    const std::filesystem::path& bin, const ServerUser& user, const std::filesystem::path& cache_dir,
    const std::string& prepared_database,
    const std::function<void(const std::filesystem::path&)>& prepare, bool& built);

/// The first line of a text file, "" when it cannot be read.
std::string read_first_line(const std::filesystem::path& file);

/// mkdtemp(`pattern`), mode 0700, owned by `user`. Throws filesystem_error.
std::filesystem::path make_temp_dir(const std::filesystem::path& pattern, const ServerUser& user);

/// Moves the spare copy of the cache entry `entry` (see embedded_spare.cpp)
/// to `dir`/data. Waits up to `wait` for a preparer still copying. Returns
/// false, leaving `dir` as it was, when there is no spare, another start
/// claimed it first, or it is not a complete copy of this entry (then it is
/// removed).
bool claim_spare(const std::filesystem::path& entry, const std::filesystem::path& dir,
                 const ServerUser& user, std::chrono::milliseconds wait);

/// Starts copying the cache entry `entry` into its spare in the background
/// (a detached process that outlives nothing but the copy) unless a spare
/// exists or one is being prepared. Never throws; failures only log.
void prepare_spare(const std::filesystem::path& entry, const ServerUser& user);

/// `<cache_dir>/<entry>.spare`: the next start's copy of cache entry `entry`.
std::filesystem::path spare_of(const std::filesystem::path& entry);

/// `<cache_dir>/<entry>.lock`: the lock a builder of `entry` and a preparer
/// of its spare hold while they work.
std::filesystem::path lock_of(const std::filesystem::path& entry);

/// Opens the cache lock file `lock` (`<cache_dir>/<entry>.lock`, created
/// when missing) and takes its flock() without waiting: the lock a builder
/// of the entry and a preparer of its spare hold while they work. Returns
/// the descriptor holding the lock (close it to release), or -1 when another
/// process holds it or the file cannot be opened.
int try_lock_file(const std::filesystem::path& lock);

/// Copies a data directory preserving owner and modes (cp -a).
void copy_data_dir(const std::filesystem::path& from, const std::filesystem::path& to);

/// The last `count` lines of a text file, each ending in '\n'.
std::string tail_lines(const std::filesystem::path& file, std::size_t count);

/// Replaces owner.pid by the `detached` marker (holding the postmaster pid).
void mark_detached(const std::filesystem::path& dir, pid_t postmaster);

/// True for a testdb-* directory whose owner.pid names a dead process.
bool is_orphan(const std::filesystem::path& dir);

/// Stops the postmaster named by dir/data/postmaster.pid, if it runs, and
/// removes `dir`. Refuses (EmbeddedServerError) a directory that does not
/// look like an embedded server's, so a wrong path never deletes data.
void stop_and_remove(const std::filesystem::path& dir);

}  // namespace testdb::detail

/// @file embedded_server.hpp
/// @brief testdb::EmbeddedServer: a private, throwaway PostgreSQL on a Unix
/// socket in a temporary directory, removed when it stops.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace testdb {

/// How to start an embedded server. Every field has a working default.
struct EmbeddedServerOptions {
    /// Parent of the temporary directory (must be reachable by the server
    /// user; /root is not, hence /tmp).
    std::filesystem::path base_dir = "/tmp";
    /// Name of the database created for the tests (must contain "test").
    std::string database = "testdb_test";
    /// TCP port to listen on as well, on 127.0.0.1; 0 = Unix socket only.
    /// TCP requires scram-sha-256 with a password generated for this server
    /// (tcpUrl() carries it); the Unix socket, in the server's 0700
    /// directory, admits only its owner.
    int tcp_port = 0;
    /// Extra `name=value` server settings, e.g. "max_connections=5".
    std::vector<std::string> settings;
    /// Reuse an initialised data directory cached per server version.
    bool use_cache = true;
    /// Where the cache lives (shared by every run on this machine).
    std::filesystem::path cache_dir = "/tmp/testdb-cache";
    /// With use_cache: start from the spare copy of the cache entry when one
    /// is ready (a rename instead of a copy), and after the start prepare the
    /// next spare in the background. At most one spare per cache entry is
    /// kept, next to it in cache_dir (`<entry>.spare`). false = always copy.
    bool use_spare = true;
    /// Stop and clean up the server when a SIGINT or SIGTERM reaches the
    /// process (then the signal's default action proceeds).
    bool cleanup_on_signal = true;
    /// How long to wait for the server to accept connections.
    std::chrono::seconds start_timeout{30};
};

/// Timings of one start, for reports and benchmarks.
struct EmbeddedServerTimings {
    bool used_cache = false;                 ///< data directory copied from the cache
    /// The data directory was the spare copy of the cache entry, prepared in
    /// the background after the previous start and moved into place by
    /// rename() (init is then a few milliseconds); false when this start
    /// copied the entry itself (no spare yet, another start claimed it, or it
    /// was not a complete copy of this entry).
    bool used_spare = false;
    std::chrono::milliseconds init{0};       ///< initdb, cache copy or claim of the spare
    std::chrono::milliseconds start{0};      ///< postgres start until ready
    std::chrono::milliseconds total{0};      ///< whole start(), database created
};

namespace detail {
class EmbeddedServerState;
}

/// A running private PostgreSQL. Move-only; stops and removes its files in
/// stop() or the destructor, also after a failed run.
///
/// When the process runs as root the server runs as an unprivileged user
/// (TESTDB_SERVER_USER, default `postgres`), because PostgreSQL refuses root.
class EmbeddedServer {
public:
    /// Finds the binaries, initialises (or copies the cached) data directory,
    /// starts postgres with fsync off and creates the database.
    /// Throws EmbeddedServerError saying what to install or fix.
    static EmbeddedServer start(const EmbeddedServerOptions& options = {});

    EmbeddedServer(EmbeddedServer&&) noexcept;
    EmbeddedServer& operator=(EmbeddedServer&&) noexcept;
    EmbeddedServer(const EmbeddedServer&) = delete;
    EmbeddedServer& operator=(const EmbeddedServer&) = delete;
    /// Stops the server and removes its directory.
    ~EmbeddedServer();

    /// `postgresql:///db?host=<socket-dir>&port=<port>&user=<user>`.
    std::string url() const;
    /// `postgresql://postgres:<password>@127.0.0.1:<tcp_port>/db` with the
    /// password generated for this server; "" without a tcp_port. Mask it
    /// (maskPassword) before printing it anywhere but to its user.
    std::string tcpUrl() const;
    /// Deprecated spelling of tcpUrl().
    [[deprecated("use tcpUrl()")]] std::string tcp_url() const { return tcpUrl(); }
    /// The temporary directory holding data and socket.
    std::filesystem::path directory() const;
    /// Process id of the postmaster.
    int pid() const;
    /// Port number (also the Unix socket's suffix).
    int port() const;
    /// Where the server binaries were found.
    std::filesystem::path binDir() const;
    /// Deprecated spelling of binDir().
    [[deprecated("use binDir()")]] std::filesystem::path bin_dir() const { return binDir(); }
    /// How long start() took.
    EmbeddedServerTimings timings() const;
    /// True until stop().
    bool running() const;

    /// Stops the server (immediate shutdown, SIGQUIT: its data is removed
    /// next, so no checkpoint is written; SIGKILL after 10 s) and removes its
    /// directory. Idempotent.
    void stop();

    /// Leaves the server running and its files in place when this object is
    /// destroyed (used by `testdb up`); stop it later with stopDetached().
    void detach();

    /// Stops a server started by another process (from its directory) and
    /// removes the directory. Returns false when nothing was there.
    static bool stopDetached(const std::filesystem::path& directory);
    /// Deprecated spelling of stopDetached().
    [[deprecated("use stopDetached()")]]
    static bool stop_detached(const std::filesystem::path& directory) {
        return stopDetached(directory);
    }

    /// Stops and removes leftovers of runs whose owning process died
    /// (SIGKILL, crash). Returns the directories removed.
    static std::vector<std::filesystem::path> sweepOrphans(
        const std::filesystem::path& base_dir = "/tmp");
    /// Deprecated spelling of sweepOrphans().
    [[deprecated("use sweepOrphans()")]]
    static std::vector<std::filesystem::path> sweep_orphans(
        const std::filesystem::path& base_dir = "/tmp") {
        return sweepOrphans(base_dir);
    }

    /// The directory holding initdb/postgres/pg_ctl, found through
    /// TESTDB_PG_BINDIR, `pg_config --bindir`, PATH or
    /// /usr/lib/postgresql/*/bin. Throws EmbeddedServerError naming the
    /// package to install when there is none.
    static std::filesystem::path findBinDir();
    /// Deprecated spelling of findBinDir().
    [[deprecated("use findBinDir()")]] static std::filesystem::path find_bin_dir() {
        return findBinDir();
    }

private:
    explicit EmbeddedServer(std::unique_ptr<detail::EmbeddedServerState> state);
    std::unique_ptr<detail::EmbeddedServerState> state_;
};

}  // namespace testdb

#include "testdb/embedded_server.hpp"

#include <libpq-fe.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "harness/server/embedded_state.hpp"
#include "harness/server/embedded_tcp_auth.hpp"
#include "harness/common/log.hpp"
#include "harness/config/url.hpp"
#include "harness/server/process.hpp"
#include "harness/server/signal_cleanup.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"

namespace testdb {
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace detail {

void EmbeddedServerState::cleanup() {
    const std::lock_guard<std::mutex> lock(mutex);
    if (cleaned) {
        return;
    }
    cleaned = true;
    running = false;
    // Immediate shutdown: the data is thrown away next, so the checkpoint a
    // fast shutdown (SIGINT) writes first would be wasted time.
    if (pid > 0 && !stop_process(pid, SIGQUIT, milliseconds(10000))) {
        log().error("embedded PostgreSQL (pid {}) did not exit even after SIGKILL; removing {} "
                    "anyway", pid.load(), dir.string());
    }
    pid = 0;
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) {
        log().error("could not remove the embedded server directory {}: {}. Remove it by hand.",
                    dir.string(), ec.message());
    } else {
        log().info("stopped the embedded PostgreSQL and removed {}", dir.string());
    }
}

void EmbeddedServerState::shutdown() {
    // Unregister first and without holding `mutex`: the signal watcher takes
    // its registry lock and then `mutex`, so the other order could deadlock.
    if (signal_id != 0) {
        remove_signal_cleanup(signal_id);
        signal_id = 0;
    }
    cleanup();
}

EmbeddedServerState::~EmbeddedServerState() {
    if (!detached) {
        shutdown();
    }
}

}  // namespace detail

namespace {

// The database a cached data directory holds, renamed to options.database
// at start (it contains "test" so the safety guard accepts it as is). The
// default name, so a start with default options needs no rename and no
// connection of its own (tens of milliseconds: a backend start).
constexpr const char* kPreparedDatabase = "testdb_test";

// How long a start waits for a spare still being copied (by the previous
// run's preparer) before it copies the cache entry itself.
constexpr milliseconds kSpareWait{2000};

void validate(const EmbeddedServerOptions& options) {
    if (options.database.empty() || options.database.find("test") == std::string::npos) {
        throw EmbeddedServerError("testdb: EmbeddedServerOptions::database='" + options.database +
                                  "' must contain \"test\" (the safety guard refuses to clean up "
                                  "anything else). Fix: choose a name like testdb_test.");
    }
    if (options.tcp_port < 0 || options.tcp_port > 65535) {
        throw EmbeddedServerError("testdb: EmbeddedServerOptions::tcp_port=" +
                                  std::to_string(options.tcp_port) +
                                  " is not a port. Fix: use 0 (Unix socket only) or 1-65535.");
    }
    for (const std::string& setting : options.settings) {
        const auto eq = setting.find('=');
        if (eq == 0 || eq == std::string::npos) {
            throw EmbeddedServerError("testdb: server setting '" + setting +
                                      "' is not name=value. Fix: write it like "
                                      "\"max_connections=20\".");
        }
    }
}

// The postgres command line: fast, throwaway defaults first, then the
// caller's settings replacing a default of the same name.
std::vector<std::string> postgres_argv(const fs::path& bin, const fs::path& dir, int port,
                                       const EmbeddedServerOptions& options) {
    std::vector<std::pair<std::string, std::string>> settings{
        {"listen_addresses", options.tcp_port > 0 ? "127.0.0.1" : ""},
        {"fsync", "off"},
        {"synchronous_commit", "off"},
        {"full_page_writes", "off"},
        {"max_connections", "100"},
        {"unix_socket_permissions", "0777"}};
    for (const std::string& setting : options.settings) {
        const auto eq = setting.find('=');
        const std::string name = setting.substr(0, eq);
        auto same = std::find_if(settings.begin(), settings.end(),
                                 [&](const auto& entry) { return entry.first == name; });
        if (same != settings.end()) {
            same->second = setting.substr(eq + 1);
        } else {
            settings.emplace_back(name, setting.substr(eq + 1));
        }
    }
    std::vector<std::string> argv{(bin / "postgres").string(), "-D", (dir / "data").string(),
                                  "-k", dir.string(), "-p", std::to_string(port)};
    for (const auto& [name, value] : settings) {
        argv.push_back("-c");
        argv.push_back(name + "=" + value);
    }
    return argv;
}

std::string postmaster_failure(const detail::EmbeddedServerState& state, const std::string& what) {
    return "testdb: the embedded PostgreSQL (" + (state.bin / "postgres").string() + ", data " +
           (state.dir / "data").string() + ") " + what + ". Last lines of " +
           (state.dir / "server.log").string() + ":\n" +
           detail::tail_lines(state.dir / "server.log", 20) +
           "Fix: correct the setting the log names (EmbeddedServerOptions::settings, tcp_port); "
           "if the data directory came from the cache, delete the cache entry or set "
           "use_cache=false.";
}

// Polls the socket until the server accepts connections; fails fast when
// the postmaster has already exited.
void wait_until_ready(detail::EmbeddedServerState& state, std::chrono::seconds timeout) {
    const std::string port = std::to_string(state.port);
    const std::string host = state.dir.string();
    const char* keys[] = {"host", "port", "dbname", "user", "connect_timeout", nullptr};
    const char* values[] = {host.c_str(), port.c_str(), "postgres", "postgres", "2", nullptr};
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        int status = 0;
        if (detail::wait_for_exit(state.pid, milliseconds(0), &status)) {
            state.pid = 0;  // reaped: never signal that number again
            const std::string how = WIFEXITED(status)
                                        ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "signal " + std::to_string(WTERMSIG(status));
            throw EmbeddedServerError(postmaster_failure(state, "exited during start-up (" + how + ")"));
        }
        if (PQpingParams(keys, values, 0) == PQPING_OK) {
            return;
        }
        if (Clock::now() >= deadline) {
            throw EmbeddedServerError(postmaster_failure(
                state, "did not accept connections within " + std::to_string(timeout.count()) +
                           " s (EmbeddedServerOptions::start_timeout)"));
        }
        std::this_thread::sleep_for(milliseconds(2));
    }
}

// The test database: renamed from the one the cached data directory holds
// (instant), or created (copies template1: a few hundred milliseconds).
void create_database(const detail::EmbeddedServerState& state) {
    if (state.prepared_db && state.database == kPreparedDatabase) {
        return;  // the cached data directory holds it already
    }
    const std::string port = std::to_string(state.port);
    const std::string host = state.dir.string();
    const char* keys[] = {"host", "port", "dbname", "user", nullptr};
    const char* values[] = {host.c_str(), port.c_str(), "postgres", "postgres", nullptr};
    PGconn* conn = PQconnectdbParams(keys, values, 0);
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
        error = PQerrorMessage(conn);
    } else {
        char* name = PQescapeIdentifier(conn, state.database.c_str(), state.database.size());
        const std::string sql = (state.prepared_db ? std::string("ALTER DATABASE ") + kPreparedDatabase +
                                                         " RENAME TO "
                                                   : std::string("CREATE DATABASE ")) +
                                (name != nullptr ? name : "");
        PQfreemem(name);
        PGresult* result = PQexec(conn, sql.c_str());
        if (PQresultStatus(result) != PGRES_COMMAND_OK) {
            error = PQerrorMessage(conn);
        }
        PQclear(result);
    }
    PQfinish(conn);
    if (!error.empty()) {
        throw EmbeddedServerError("testdb: could not create database '" + state.database +
                                  "' on the embedded PostgreSQL in " + state.dir.string() + ": " +
                                  error + "Fix: choose a valid name in EmbeddedServerOptions::database" +
                                  (state.prepared_db ? ", or delete the cache entry (or set use_cache=false)" : "") +
                                  ".");
    }
}

// Runs a server once on a freshly initialised cache entry to create the
// database that start() later renames, then shuts it down cleanly so that
// copies start without crash recovery.
void prepare_cache_entry(const fs::path& bin, const fs::path& dir, const detail::ServerUser& user) {
    detail::EmbeddedServerState prep;  // on failure its destructor stops and removes `dir`
    prep.dir = dir;
    prep.bin = bin;
    prep.database = kPreparedDatabase;
    prep.port = 5432;
    const EmbeddedServerOptions stock;
    prep.pid = detail::spawn_program(postgres_argv(bin, dir, prep.port, stock), dir / "server.log",
                                     &user, dir);
    wait_until_ready(prep, stock.start_timeout);
    create_database(prep);
    if (!detail::stop_process(prep.pid, SIGINT, milliseconds(30000))) {
        throw EmbeddedServerError("testdb: the PostgreSQL preparing the cache entry " + dir.string() +
                                  " did not shut down. Fix: delete that directory and retry.");
    }
    prep.pid = 0;
    prep.cleaned = true;  // keep the directory: it becomes the cache entry
    std::error_code ec;
    fs::remove(dir / "server.log", ec);
}

// The initialised data directory, copied from the cache when there is one.
void prepare_data_dir(detail::EmbeddedServerState& state, const detail::ServerUser& user,
                      const EmbeddedServerOptions& options) {
    const fs::path data = state.dir / "data";
    if (options.use_cache) {
        bool built = false;
        const auto prepare = [&](const fs::path& dir) { prepare_cache_entry(state.bin, dir, user); };
        if (auto cached = detail::cached_data_dir(state.bin, user, options.cache_dir,
                                                  kPreparedDatabase, prepare, built)) {
            state.cache_entry = cached->parent_path();
            state.timings.used_spare =
                !built && options.use_spare &&
                detail::claim_spare(state.cache_entry, state.dir, user, kSpareWait);
            if (!state.timings.used_spare) {
                detail::copy_data_dir(*cached, data);
            }
            state.prepared_db = true;
            state.timings.used_cache = !built;
            return;
        }
    }
    detail::run_initdb(state.bin, data, user);
}

const detail::EmbeddedServerState& checked(const std::unique_ptr<detail::EmbeddedServerState>& state) {
    if (!state) {
        throw EmbeddedServerError("testdb: this EmbeddedServer was moved from. Fix: use the object "
                                  "it was moved to.");
    }
    return *state;
}

}  // namespace

EmbeddedServer EmbeddedServer::start(const EmbeddedServerOptions& requested) {
    const auto started = Clock::now();
    validate(requested);
    // Absolute paths: the children run in other working directories.
    EmbeddedServerOptions options = requested;
    options.base_dir = fs::absolute(options.base_dir);
    options.cache_dir = fs::absolute(options.cache_dir);
    const fs::path bin = findBinDir();
    const detail::ServerUser user = detail::server_user();

    auto state = std::make_unique<detail::EmbeddedServerState>();
    state->bin = bin;
    state->database = options.database;
    // From here on, an exception destroys `state`, which stops whatever was
    // started and removes the directory: a failed start leaves nothing behind.
    state->dir = detail::make_server_dir(options.base_dir, user);
    if (options.cleanup_on_signal) {
        detail::EmbeddedServerState* raw = state.get();
        state->signal_id = detail::add_signal_cleanup([raw] { raw->cleanup(); });
    }

    const auto init_started = Clock::now();
    prepare_data_dir(*state, user, options);
    state->timings.init = std::chrono::duration_cast<milliseconds>(Clock::now() - init_started);

    // Unix socket only: the port just names the socket file in our private
    // directory, so the standard number can never collide.
    state->port = options.tcp_port > 0 ? options.tcp_port : 5432;
    if (options.tcp_port > 0) {
        // Before the settings of the caller, so their own hba_file wins.
        options.settings.insert(options.settings.begin(),
                                "hba_file=" + detail::write_hba_file(state->dir).string());
    }
    const auto start_started = Clock::now();
    {
        const std::lock_guard<std::mutex> lock(state->mutex);
        if (state->cleaned) {  // a signal's cleanup got here first
            throw EmbeddedServerError("testdb: embedded server start interrupted by a signal");
        }
        state->pid = detail::spawn_program(postgres_argv(bin, state->dir, state->port, options),
                                           state->dir / "server.log", &user, state->dir);
    }
    wait_until_ready(*state, options.start_timeout);
    state->timings.start = std::chrono::duration_cast<milliseconds>(Clock::now() - start_started);
    create_database(*state);
    if (options.tcp_port > 0) {
        // Until now TCP admitted nobody: the role had no password to check.
        state->tcp_port = options.tcp_port;
        state->tcp_password = detail::generate_password();
        detail::set_role_password(state->dir, state->port, "postgres", state->tcp_password);
    }
    state->running = true;
    if (!state->cache_entry.empty() && options.use_spare) {
        // For the next start: a copy made now, in the background, while
        // this server runs its tests.
        detail::prepare_spare(state->cache_entry, user);
    }
    state->timings.total = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    detail::log().info("embedded PostgreSQL pid {} ready in {} ms (init {} ms{}, start {} ms) at {}",
                       state->pid.load(), state->timings.total.count(), state->timings.init.count(),
                       state->timings.used_spare ? ", spare" : state->timings.used_cache ? ", cached" : "", state->timings.start.count(),
                       state->dir.string());
    return EmbeddedServer(std::move(state));
}

EmbeddedServer::EmbeddedServer(std::unique_ptr<detail::EmbeddedServerState> state)
    : state_(std::move(state)) {}
EmbeddedServer::EmbeddedServer(EmbeddedServer&&) noexcept = default;
EmbeddedServer& EmbeddedServer::operator=(EmbeddedServer&&) noexcept = default;
EmbeddedServer::~EmbeddedServer() = default;  // ~EmbeddedServerState stops unless detached

std::string EmbeddedServer::url() const {
    const auto& state = checked(state_);
    return "postgresql:///" + detail::percent_encode(state.database) + "?host=" +
           detail::percent_encode(state.dir.string()) + "&port=" + std::to_string(state.port) +
           "&user=postgres";
}

std::string EmbeddedServer::tcpUrl() const {
    const auto& state = checked(state_);
    if (state.tcp_port == 0) return "";
    return "postgresql://postgres:" + state.tcp_password + "@127.0.0.1:" +
           std::to_string(state.tcp_port) + "/" + detail::percent_encode(state.database);
}

fs::path EmbeddedServer::directory() const { return checked(state_).dir; }
int EmbeddedServer::pid() const { return static_cast<int>(checked(state_).pid); }
int EmbeddedServer::port() const { return checked(state_).port; }
fs::path EmbeddedServer::binDir() const { return checked(state_).bin; }
EmbeddedServerTimings EmbeddedServer::timings() const { return checked(state_).timings; }
bool EmbeddedServer::running() const { return state_ && state_->running; }

void EmbeddedServer::stop() {
    if (state_) {
        state_->shutdown();
    }
}

void EmbeddedServer::detach() {
    if (!state_ || !state_->running || state_->detached) {
        return;
    }
    if (state_->signal_id != 0) {  // a detached server outlives this process
        detail::remove_signal_cleanup(state_->signal_id);
        state_->signal_id = 0;
    }
    detail::mark_detached(state_->dir, state_->pid);
    state_->detached = true;
}

bool EmbeddedServer::stopDetached(const fs::path& directory) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(directory, ec))) {
        return false;
    }
    detail::stop_and_remove(directory);
    return true;
}

std::vector<fs::path> EmbeddedServer::sweepOrphans(const fs::path& base_dir) {
    std::vector<fs::path> removed;
    std::error_code ec;
    for (fs::directory_iterator it(base_dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        const fs::path dir = it->path();
        if (!detail::is_orphan(dir)) {
            continue;
        }
        try {
            detail::stop_and_remove(dir);
            detail::log().info("removed the orphaned embedded server directory {}", dir.string());
            removed.push_back(dir);
        } catch (const Error& e) {
            detail::log().warn("{}", e.what());
        }
    }
    return removed;
}

}  // namespace testdb

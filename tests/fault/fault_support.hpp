// Shared by the fault tests: child processes we can signal and time out,
// private directories, raw libpq access to a server (the "other process" and
// the test's own view of the database, outside any testdb pool), and process
// liveness checks.
#pragma once

#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace fault {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// A fresh directory under /tmp that the server user can traverse; removed
/// at the end. Not named testdb-*, so no orphan sweep ever mistakes it.
struct TempDir {
    fs::path path;
    explicit TempDir(const std::string& prefix = "fault") {
        std::string pattern = "/tmp/" + prefix + "-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed for " + pattern);
        }
        path = pattern;
        ::chmod(path.c_str(), 0755);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    fs::path operator/(const std::string& name) const { return path / name; }
};

inline std::string read_file(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Polls until `file` exists (children write it with a rename, so it is
/// complete once visible) or `timeout` passes.
inline bool wait_for_file(const fs::path& file, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!fs::exists(file)) {
        if (Clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

inline void touch(const fs::path& file, const std::string& text = "go") {
    const fs::path temp = file.string() + ".tmp";
    std::ofstream(temp) << text;
    fs::rename(temp, file);
}

/// Alive and not a zombie (a re-parented postmaster may never be reaped here).
inline bool alive(pid_t pid) {
    if (pid <= 0 || ::kill(pid, 0) != 0) {
        return false;
    }
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    return close == std::string::npos || close + 2 >= line.size() || line.at(close + 2) != 'Z';
}

inline bool gone_within(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (alive(pid) && Clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    return !alive(pid);
}

/// A test suite (or any program) running as a child process with extra
/// environment variables, in its own working directory, output to a file.
/// Started with posix_spawn (safe from a threaded parent) and with SIGINT,
/// SIGTERM, SIGHUP and SIGPIPE reset to default: a shell that starts us in
/// the background ignores SIGINT, and the child would inherit that.
class Child {
public:
    Child(const std::string& program, const std::vector<std::string>& args,
          const std::map<std::string, std::string>& env, const fs::path& cwd,
          const fs::path& output)
        : output_(output), started_(Clock::now()) {
        std::vector<std::string> argv_text{program};
        argv_text.insert(argv_text.end(), args.begin(), args.end());
        std::vector<std::string> env_text;
        for (const auto& [name, value] : env) {
            env_text.push_back(name + "=" + value);
        }
        for (char** var = environ; *var != nullptr; ++var) {
            const std::string entry(*var);
            const std::string name = entry.substr(0, entry.find('='));
            // Ours win; the parent's own testdb settings must never leak in.
            if (env.count(name) == 0 && name != "DATABASE_URL_TEST" && name != "TESTDB_REPORT" &&
                name != "TESTDB_RUN_TOKEN" && name != "TESTDB_ISOLATION" && name != "APP_ENV" &&
                name != "NODE_ENV") {
                env_text.push_back(entry);
            }
        }
        std::vector<char*> argv;
        for (auto& a : argv_text) argv.push_back(a.data());
        argv.push_back(nullptr);
        std::vector<char*> envp;
        for (auto& e : env_text) envp.push_back(e.data());
        envp.push_back(nullptr);

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t defaults;
        sigemptyset(&defaults);
        for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaddset(&defaults, sig);
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
        const int rc =
            ::posix_spawn(&pid_, program.c_str(), &actions, &attr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        if (rc != 0) {
            throw std::runtime_error("cannot start " + program + ": error " + std::to_string(rc));
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    /// A child still running when its test gives up is stopped, never left
    /// behind (see stop()).
    ~Child() {
        if (!status_) stop();
    }

    pid_t pid() const { return pid_; }
    void signal(int sig) const { ::kill(pid_, sig); }

    /// Waits at most `timeout`; true when the child has ended (reaped).
    bool wait(std::chrono::milliseconds timeout) {
        const auto deadline = Clock::now() + timeout;
        while (!status_) {
            int status = 0;
            const pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                status_ = status;
                elapsed_ = Clock::now() - started_;
                break;
            }
            if (r < 0 || Clock::now() >= deadline) {
                return false;
            }
            std::this_thread::sleep_for(10ms);
        }
        return true;
    }
    /// Waits; on timeout stops the child (so the test still ends) and says so.
    bool finish(std::chrono::milliseconds timeout) {
        if (wait(timeout)) {
            return true;
        }
        stop();
        return false;
    }

    /// SIGTERM first, so testdb in the child stops its embedded server and
    /// removes its directory (a SIGKILL would orphan both), then SIGKILL.
    void stop() {
        ::kill(pid_, SIGTERM);
        if (!wait(20s)) {
            ::kill(pid_, SIGKILL);
            wait(10s);
        }
    }

    bool exited() const { return status_ && WIFEXITED(*status_); }
    int exit_code() const { return exited() ? WEXITSTATUS(*status_) : -1; }
    int term_signal() const { return status_ && WIFSIGNALED(*status_) ? WTERMSIG(*status_) : 0; }
    Clock::duration elapsed() const { return elapsed_; }
    std::string output() const { return read_file(output_); }

private:
    fs::path output_;
    pid_t pid_ = -1;
    Clock::time_point started_;
    Clock::duration elapsed_{};
    std::optional<int> status_;
};

/// One raw libpq connection: a process other than testdb (in scenario 5 the
/// "other suite" holding server slots), and the test's own view of the
/// database that no pool or cleanup can influence.
class RawConnection {
public:
    explicit RawConnection(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {  // testdb-lint: allow raw-connection
        if (PQstatus(conn_) != CONNECTION_OK) {
            const std::string error = PQerrorMessage(conn_);
            PQfinish(conn_);
            conn_ = nullptr;
            throw std::runtime_error("raw connection failed: " + error);
        }
    }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;
    ~RawConnection() { close(); }
    void close() {
        if (conn_ != nullptr) {
            PQfinish(conn_);
            conn_ = nullptr;
        }
    }

    /// Runs `sql`; returns the first column of the first row ("" if none).
    std::string value(const std::string& sql) {
        PGresult* result = PQexec(conn_, sql.c_str());
        const auto status = PQresultStatus(result);
        std::string out;
        std::string error;
        if (status == PGRES_TUPLES_OK) {
            if (PQntuples(result) > 0) out = PQgetvalue(result, 0, 0);
        } else if (status != PGRES_COMMAND_OK) {
            error = PQerrorMessage(conn_);
        }
        PQclear(result);
        if (!error.empty()) {
            throw std::runtime_error("query failed: " + sql + ": " + error);
        }
        return out;
    }
    long long count(const std::string& sql) { return std::stoll(value(sql)); }

private:
    PGconn* conn_ = nullptr;
};

/// Backends whose application_name ends in "-<token>" (a testdb run's).
inline long long backends_of_run(const std::string& conninfo, const std::string& token) {
    RawConnection conn(conninfo);
    return conn.count("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '%-" +
                      token + "'");
}

/// Waits until no backend of `token` is left (a killed process's backends
/// need a moment to notice); returns the number still there.
inline long long wait_no_backends(const std::string& conninfo, const std::string& token,
                                  std::chrono::milliseconds timeout = 15s) {
    const auto deadline = Clock::now() + timeout;
    long long left = backends_of_run(conninfo, token);
    while (left > 0 && Clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
        left = backends_of_run(conninfo, token);
    }
    return left;
}

/// The `url` of an embedded server with `dbname` replaced (for scenario 10).
inline std::string with_database(const std::string& url, const std::string& dbname) {
    const auto slash = url.find(":///");
    const auto query = url.find('?');
    return url.substr(0, slash + 4) + dbname + url.substr(query);
}

}  // namespace fault

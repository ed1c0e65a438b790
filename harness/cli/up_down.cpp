// `testdb up` and `testdb down`: a throwaway PostgreSQL that outlives the
// command, remembered in a small JSON state file next to it.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "support.hpp"
#include "testdb/config.hpp"
#include "testdb/embedded_server.hpp"
#include "testdb/errors.hpp"

namespace testdb::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// What `testdb up` remembers about the server it started.
struct UpState {
    fs::path directory;  ///< the server's temporary directory
    int pid = 0;         ///< postmaster pid
    int port = 0;        ///< port (and Unix socket suffix)
    int tcp_port = 0;    ///< TCP port on 127.0.0.1, 0 = none
    std::string url;     ///< the DATABASE_URL_TEST to export (with --port: over TCP,
                         ///< with the server's password, so the file is 0600)
};

fs::path state_file(const UpOptions& options) {
    return (options.dir.empty() ? fs::path("/tmp") : options.dir) / "testdb-up.json";
}

// Serialises `up` and `down` on one state file: two `testdb up` at once
// start one server, not two.
class StateLock {
public:
    explicit StateLock(const fs::path& state) : path_(state.string() + ".lock") {
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) {
            throw Error("Error: cannot create the lock file " + path_ + ": " + errno_text(errno) +
                        ".\nFix: pass --dir with a writable directory (default /tmp).");
        }
        while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
        }
    }
    ~StateLock() {
        ::flock(fd_, LOCK_UN);
        ::close(fd_);
    }
    StateLock(const StateLock&) = delete;
    StateLock& operator=(const StateLock&) = delete;

private:
    std::string path_;
    int fd_ = -1;
};

std::optional<UpState> read_state(const fs::path& file) {
    std::ifstream in(file);
    if (!in) {
        return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    try {
        const json j = json::parse(text.str());
        UpState state;
        state.directory = j.at("directory").get<std::string>();
        j.at("pid").get_to(state.pid);
        j.at("port").get_to(state.port);
        state.tcp_port = j.value("tcp_port", 0);
        j.at("url").get_to(state.url);
        return state;
    } catch (const json::exception& e) {
        throw Error("Error: the state file " + file.string() + " of `testdb up` is not valid (" +
                    e.what() + ").\nFix: delete it (rm " + file.string() +
                    ") and remove any leftover /tmp/testdb-* server directory by hand.");
    }
}

void write_state(const fs::path& file, const UpState& state) {
    const json j{{"directory", state.directory.string()},
                 {"pid", state.pid},
                 {"port", state.port},
                 {"tcp_port", state.tcp_port},
                 {"url", state.url}};
    const fs::path temp = file.string() + ".tmp";
    // Created 0600 before anything is written: it may hold the password.
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
    std::error_code perm_error;
    fs::permissions(temp, fs::perms::owner_read | fs::perms::owner_write, perm_error);
    {
        std::ofstream out(temp);
        out << j.dump(2) << '\n';
        if (!out) {
            throw Error("Error: cannot write the state file " + file.string() +
                        ".\nFix: pass --dir with a writable directory (default /tmp).");
        }
    }
    fs::rename(temp, file);
}

// The postmaster is alive: its pid exists, is a postgres process (not a
// recycled pid) and its directory is still there.
bool alive(const UpState& state) {
    if (state.pid <= 0 || (::kill(state.pid, 0) != 0 && errno != EPERM)) {
        return false;
    }
    std::error_code ec;
    if (!fs::exists(state.directory, ec)) {
        return false;
    }
    // /proc/<pid>/stat: "pid (comm) state ...": a zombie (killed, never
    // reaped: its parent, `testdb up`, is long gone) is not alive either.
    std::ifstream stat("/proc/" + std::to_string(state.pid) + "/stat");
    std::string line;
    if (!stat || !std::getline(stat, line)) {
        return true;  // no /proc: trust kill()
    }
    const auto open = line.find('(');
    const auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 2 >= line.size()) {
        return true;
    }
    const std::string name = line.substr(open + 1, close - open - 1);
    const char process_state = line[close + 2];
    return name.rfind("postgres", 0) == 0 && process_state != 'Z' && process_state != 'X';
}

void print_export(const UpState& state) {
    std::cout << "export DATABASE_URL_TEST=" << shell_quote(state.url) << std::endl;
}

std::string down_command(const UpOptions& options) {
    return options.dir == "/tmp" ? "testdb down" : "testdb down --dir " + options.dir.string();
}

}  // namespace

int up(const UpOptions& options) {
    const fs::path file = state_file(options);
    std::error_code ec;
    // A missing --dir is created, parents too, as `mkdir -p` would.
    if (!fs::exists(file.parent_path(), ec)) {
        fs::create_directories(file.parent_path(), ec);
    }
    if (!fs::is_directory(file.parent_path(), ec)) {
        print_error("up", "--dir " + file.parent_path().string() + " is not a directory" +
                              (ec ? " and cannot be created (" + ec.message() + ")" : "") +
                              ".\nFix: create it (mode 755, reachable by the server user) or "
                              "pass another --dir.");
        return kExitUsage;
    }
    StateLock lock(file);
    if (auto state = read_state(file)) {
        if (alive(*state)) {
            std::cerr << "testdb up: already up (pid " << state->pid << ", "
                      << state->directory.string() << ")";
            if (options.port != 0 && options.port != state->tcp_port) {
                std::cerr << "; --port " << options.port << " ignored, run `"
                          << down_command(options) << "` first";
            }
            std::cerr << std::endl;
            print_export(*state);
            return kExitOk;
        }
        std::cerr << "testdb up: the server recorded in " << file.string() << " (pid " << state->pid
                  << ") is gone; starting a new one" << std::endl;
        EmbeddedServer::stopDetached(state->directory);
        fs::remove(file, ec);
    }

    EmbeddedServerOptions server_options;
    server_options.base_dir = file.parent_path();
    server_options.cache_dir = options.cache_dir;
    server_options.tcp_port = options.port;
    server_options.settings = options.settings;
    // Keep the server's inherited stdout away from ours: a postmaster holding
    // it open would make `eval "$(testdb up)"` wait forever.
    std::cout.flush();
    const int saved_stdout = ::dup(STDOUT_FILENO);
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
    std::optional<EmbeddedServer> server;
    try {
        server.emplace(EmbeddedServer::start(server_options));
    } catch (...) {
        ::dup2(saved_stdout, STDOUT_FILENO);
        ::close(saved_stdout);
        fs::remove(file.string() + ".lock", ec);  // nothing is up: leave nothing behind
        throw;
    }
    ::dup2(saved_stdout, STDOUT_FILENO);
    ::close(saved_stdout);

    UpState state;
    state.directory = server->directory();
    state.pid = server->pid();
    state.port = server->port();
    state.tcp_port = options.port;
    // With --port, the URL over TCP, carrying the password the server
    // requires there: the one place it is printed.
    state.url = options.port != 0 ? server->tcpUrl() : server->url();
    try {
        write_state(file, state);
    } catch (...) {
        server->stop();
        throw;
    }
    server->detach();
    std::cerr << "testdb up: PostgreSQL running (pid " << state.pid << ", "
              << state.directory.string() << ", started in " << server->timings().total.count()
              << " ms)";
    if (state.tcp_port != 0) {
        std::cerr << "; on 127.0.0.1:" << state.tcp_port
                  << " with a generated password (in the exported URL only)";
    }
    std::cerr << "\ntestdb up: stop it with `" << down_command(options) << "`" << std::endl;
    print_export(state);
    return kExitOk;
}

int down(const UpOptions& options) {
    std::error_code ec;
    if (!options.server.empty()) {
        if (EmbeddedServer::stopDetached(options.server)) {
            std::cout << "testdb down: stopped the server in " << options.server.string()
                      << " and removed it" << std::endl;
        } else {
            std::cout << "testdb down: nothing at " << options.server.string() << std::endl;
        }
        return kExitOk;
    }
    const fs::path file = state_file(options);
    if (!fs::exists(file, ec)) {
        std::cout << "testdb down: nothing is up (no " << file.string() << ")" << std::endl;
        return kExitOk;
    }
    StateLock lock(file);
    const auto state = read_state(file);
    if (!state) {
        std::cout << "testdb down: nothing is up (no " << file.string() << ")" << std::endl;
        return kExitOk;
    }
    const bool was_alive = alive(*state);
    const bool stopped = EmbeddedServer::stopDetached(state->directory);
    fs::remove(file, ec);
    if (stopped && was_alive) {
        std::cout << "testdb down: stopped PostgreSQL (pid " << state->pid << ") and removed "
                  << state->directory.string() << std::endl;
    } else if (stopped) {
        std::cout << "testdb down: the server (pid " << state->pid
                  << ") was no longer running; removed " << state->directory.string() << std::endl;
    } else {
        std::cout << "testdb down: nothing was running at " << state->directory.string()
                  << "; removed the stale " << file.string() << std::endl;
    }
    fs::remove(file.string() + ".lock", ec);  // ours; the lock we hold dies with the fd
    return kExitOk;
}

}  // namespace testdb::cli

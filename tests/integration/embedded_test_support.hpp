// Helpers shared by the embedded server's integration tests: a private base
// directory (with its own cache), process checks and one-value queries.
#pragma once

#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "testdb/embedded_server.hpp"

namespace embedded_test {

namespace fs = std::filesystem;
using testdb::EmbeddedServerOptions;

/// Waits until no spare preparer copies in `cache` any more (each holds its
/// cache entry's lock file while it works).
inline void wait_for_preparers(const fs::path& cache) {
    std::error_code ec;
    for (fs::directory_iterator it(cache, ec), end; !ec && it != end; it.increment(ec)) {
        const int fd = it->path().extension() == ".lock" ? ::open(it->path().c_str(), O_RDONLY) : -1;
        if (fd >= 0) {
            ::flock(fd, LOCK_EX);
            ::close(fd);
        }
    }
}

// A fresh base directory under /tmp that the server user can traverse.
struct TestBase {
    fs::path path;
    TestBase() {
        std::string pattern = "/tmp/embedded-test-XXXXXX";
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
        ::chmod(path.c_str(), 0755);
    }
    TestBase(const TestBase&) = delete;
    TestBase& operator=(const TestBase&) = delete;
    ~TestBase() {
        wait_for_preparers(path / "cache");  // a spare may still be copied there
        fs::remove_all(path);
    }

    EmbeddedServerOptions options() const {
        EmbeddedServerOptions options;
        options.base_dir = path;
        return options;
    }
    /// The testdb-* directories currently in the base.
    std::vector<fs::path> servers() const {
        std::vector<fs::path> found;
        for (const auto& entry : fs::directory_iterator(path)) {
            if (entry.path().filename().string().rfind("testdb-", 0) == 0) {
                found.push_back(entry.path());
            }
        }
        return found;
    }
};

// Sets an environment variable for one scope.
struct EnvGuard {
    std::string name;
    std::optional<std::string> old;
    EnvGuard(std::string variable, const std::string& value) : name(std::move(variable)) {
        if (const char* current = std::getenv(name.c_str())) {
            old = current;
        }
        ::setenv(name.c_str(), value.c_str(), 1);
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;
    ~EnvGuard() { old ? ::setenv(name.c_str(), old->c_str(), 1) : ::unsetenv(name.c_str()); }
};

/// Alive and not a zombie (nobody may reap a re-parented postmaster here).
inline bool alive(pid_t pid) {
    if (::kill(pid, 0) != 0) {
        return false;
    }
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    return close == std::string::npos || line.at(close + 2) != 'Z';
}

inline bool gone_within(pid_t pid, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (alive(pid) && std::chrono::steady_clock::now() < deadline) {
        ::usleep(10000);
    }
    return !alive(pid);
}

// One value from one query over a fresh libpq connection; throws on error.
inline std::string query(const std::string& conninfo, const std::string& sql) {
    PGconn* conn = PQconnectdb(conninfo.c_str());  // testdb-lint: allow raw-connection
    std::string value;
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
        error = PQerrorMessage(conn);
    } else {
        PGresult* result = PQexec(conn, sql.c_str());
        if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1) {
            value = PQgetvalue(result, 0, 0);
        } else {
            error = PQerrorMessage(conn);
        }
        PQclear(result);
    }
    PQfinish(conn);
    if (!error.empty()) {
        throw std::runtime_error(error);
    }
    return value;
}

/// Exit status of a "cache" child (run_child) that started from the spare.
constexpr int kClaimedSpare = 10;

/// Runs this test program again as a child executing the hidden test case
/// "[.embedded-child]" in `mode` (see there) on `options`, and returns its pid
/// and the first line it reports through a pipe. A re-exec, not a bare fork:
/// a forked copy of a threaded process must not start threads (the server's
/// signal watcher), which sanitizers enforce.
std::pair<pid_t, std::string> run_child(const std::string& mode, const EmbeddedServerOptions& options);

}  // namespace embedded_test

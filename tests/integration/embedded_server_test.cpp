// testdb::EmbeddedServer against the real PostgreSQL binaries: start, query,
// cache, settings, detach, orphan sweep, signal cleanup and error messages.
// Every test uses its own base directory, so it can assert that nothing is
// left behind without racing other runs on the machine.
#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include "embedded_test_support.hpp"
#include "testdb/embedded_server.hpp"
#include "testdb/errors.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using testdb::EmbeddedServer;
using testdb::EmbeddedServerError;
using testdb::EmbeddedServerOptions;
using namespace embedded_test;

namespace {

void report(int fd, const std::string& text) {
    [[maybe_unused]] const auto n = ::write(fd, text.data(), text.size());
}

}  // namespace

namespace embedded_test {

std::pair<pid_t, std::string> run_child(const std::string& mode, const EmbeddedServerOptions& options) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::vector<std::string> env{"TESTDB_EMBEDDED_CHILD=" + mode,
                                 "TESTDB_EMBEDDED_CHILD_FD=" + std::to_string(fds[1]),
                                 "TESTDB_EMBEDDED_CHILD_BASE=" + options.base_dir.string(),
                                 "TESTDB_EMBEDDED_CHILD_CACHE=" + options.cache_dir.string()};
    for (char** var = environ; *var != nullptr; ++var) {
        env.emplace_back(*var);
    }
    std::vector<char*> envp;
    for (std::string& var : env) {
        envp.push_back(var.data());
    }
    envp.push_back(nullptr);
    std::string self = fs::read_symlink("/proc/self/exe").string();
    std::string tag = "[.embedded-child]";
    char* argv[] = {self.data(), tag.data(), nullptr};
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(fds[0]);
        const int devnull = ::open("/dev/null", O_WRONLY);  // keep Catch2's banner out
        ::dup2(devnull, 1);
        ::execve(argv[0], argv, envp.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    std::string line;
    char c = 0;
    while (::read(fds[0], &c, 1) == 1 && c != '\n') {
        line += c;
    }
    ::close(fds[0]);
    return {child, line};
}

}  // namespace embedded_test

// The child side of run_child(). Modes: "exit" starts a server, reports
// "<dir> <postmaster pid>" and exits without stopping it (like a crash);
// "wait" reports the same and waits for a signal; "cache" reports "go" at
// once, then starts, queries and stops a server (exit status 0 if all worked,
// kClaimedSpare if it also started from the spare data directory).
TEST_CASE("embedded server child process", "[.embedded-child]") {
    const char* mode = std::getenv("TESTDB_EMBEDDED_CHILD");
    if (mode == nullptr) {
        return;  // run by hand: nothing to do
    }
    const int fd = std::atoi(std::getenv("TESTDB_EMBEDDED_CHILD_FD"));
    EmbeddedServerOptions options;
    options.base_dir = std::getenv("TESTDB_EMBEDDED_CHILD_BASE");
    options.cache_dir = std::getenv("TESTDB_EMBEDDED_CHILD_CACHE");
    try {
        if (std::string(mode) == "cache") {
            report(fd, "go\n");
            EmbeddedServer server = EmbeddedServer::start(options);
            const std::string answer = query(server.url(), "SELECT 1");
            const bool spare = server.timings().used_spare;
            server.stop();
            ::_exit(answer != "1" ? 4 : spare ? kClaimedSpare : 0);
        }
        EmbeddedServer server = EmbeddedServer::start(options);
        report(fd, server.directory().string() + " " + std::to_string(server.pid()) + "\n");
        if (std::string(mode) == "exit") {
            ::_exit(0);
        }
        for (;;) {
            ::pause();
        }
    } catch (const std::exception& e) {
        report(fd, std::string("error: ") + e.what() + "\n");
        ::_exit(3);
    }
}

TEST_CASE("find_bin_dir finds initdb and postgres", "[embedded]") {
    const fs::path bin = EmbeddedServer::findBinDir();
    CHECK(fs::exists(bin / "initdb"));
    CHECK(fs::exists(bin / "postgres"));
}

TEST_CASE("a started server answers on its url as postgres with fsync off", "[embedded]") {
    TestBase base;
    EmbeddedServer server = EmbeddedServer::start(base.options());
    REQUIRE(server.running());
    const fs::path dir = server.directory();
    CHECK(dir.parent_path() == base.path);
    CHECK(fs::exists(dir / "data" / "PG_VERSION"));
    CHECK(fs::exists(dir / "server.log"));
    std::ifstream owner(dir / "owner.pid");
    long long owner_pid = 0;
    owner >> owner_pid;
    CHECK(owner_pid == ::getpid());
    struct stat st {};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    if (::geteuid() == 0) {
        CHECK(st.st_uid == ::getpwnam("postgres")->pw_uid);
    }
    CHECK(alive(server.pid()));

    const std::string url = server.url();
    CHECK(query(url, "SELECT current_user") == "postgres");
    CHECK(query(url, "SELECT current_database()") == "testdb_test");
    CHECK(query(url, "SHOW fsync") == "off");
    CHECK(query(url, "SHOW listen_addresses").empty());

    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    REQUIRE(options != nullptr);
    std::map<std::string, std::string> parsed;
    for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
        if (option->val != nullptr) {
            parsed[option->keyword] = option->val;
        }
    }
    PQconninfoFree(options);
    CHECK(parsed["host"] == dir.string());
    CHECK(parsed["port"] == std::to_string(server.port()));
    CHECK(parsed["user"] == "postgres");
    CHECK(parsed["dbname"] == "testdb_test");

    const auto timings = server.timings();
    CHECK(timings.total >= timings.init + timings.start);
}

TEST_CASE("stop removes the directory and the postmaster, and is idempotent", "[embedded]") {
    TestBase base;
    EmbeddedServer server = EmbeddedServer::start(base.options());
    const fs::path dir = server.directory();
    const pid_t pid = server.pid();
    server.stop();
    CHECK_FALSE(server.running());
    CHECK_FALSE(fs::exists(dir));
    CHECK_FALSE(alive(pid));
    CHECK_NOTHROW(server.stop());
    CHECK(base.servers().empty());
}

TEST_CASE("the destructor stops the server; a moved-to server owns it", "[embedded]") {
    TestBase base;
    fs::path dir;
    pid_t pid = 0;
    {
        EmbeddedServer first = EmbeddedServer::start(base.options());
        EmbeddedServer second = std::move(first);
        dir = second.directory();
        pid = second.pid();
        CHECK_FALSE(first.running());  // NOLINT(bugprone-use-after-move): documented state
        CHECK_THROWS_AS(first.url(), EmbeddedServerError);
        CHECK(second.running());
    }
    CHECK_FALSE(fs::exists(dir));
    CHECK_FALSE(alive(pid));
}

TEST_CASE("the second start copies the cached data directory", "[embedded]") {
    TestBase base;
    EmbeddedServerOptions options = base.options();
    options.cache_dir = base.path / "cache";
    {
        EmbeddedServer cold = EmbeddedServer::start(options);
        CHECK_FALSE(cold.timings().used_cache);
    }
    const fs::path entry = options.cache_dir / (std::string("pg15-") +
                                                (::geteuid() == 0 ? "postgres" : ::getpwuid(::geteuid())->pw_name));
    CHECK(fs::exists(entry / "data" / "PG_VERSION"));
    EmbeddedServer warm = EmbeddedServer::start(options);
    CHECK(warm.timings().used_cache);
    CHECK(query(warm.url(), "SELECT current_database()") == "testdb_test");

    options.use_cache = false;
    options.cache_dir = base.path / "unused-cache";
    EmbeddedServer uncached = EmbeddedServer::start(options);
    CHECK_FALSE(uncached.timings().used_cache);
    CHECK_FALSE(fs::exists(options.cache_dir));
}

TEST_CASE("two processes filling one cache build it once", "[embedded]") {
    TestBase base;
    EmbeddedServerOptions options = base.options();
    options.cache_dir = base.path / "cache";
    // A stale entry of another layout (no "prepared" marker) is rebuilt.
    const std::string user = ::geteuid() == 0 ? "postgres" : ::getpwuid(::geteuid())->pw_name;
    fs::create_directories(options.cache_dir / ("pg15-" + user) / "data");
    std::ofstream(options.cache_dir / ("pg15-" + user) / "data" / "PG_VERSION") << "15\n";
    std::vector<pid_t> children;
    for (int i = 0; i < 2; ++i) {
        // The child answers at once, so both start (and race for the cache) together.
        children.push_back(run_child("cache", options).first);
    }
    for (const pid_t child : children) {
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        CHECK(WIFEXITED(status));
        CHECK((WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == kClaimedSpare));
    }
    wait_for_preparers(options.cache_dir);
    std::vector<std::string> entries;
    for (const auto& entry : fs::directory_iterator(options.cache_dir)) {
        entries.push_back(entry.path().filename().string());
    }
    std::sort(entries.begin(), entries.end());
    // The entry, its lock and the one spare copy the last start prepared.
    CHECK(entries == std::vector<std::string>{"pg15-" + user, "pg15-" + user + ".lock",
                                              "pg15-" + user + ".spare"});
    CHECK(fs::exists(options.cache_dir / ("pg15-" + user) / "prepared"));
    CHECK(base.servers().empty());
}

TEST_CASE("settings, database name and tcp_port are applied", "[embedded]") {
    TestBase base;
    EmbeddedServerOptions options = base.options();
    options.settings = {"max_connections=7", "work_mem=5MB"};
    options.database = "other_test_db";
    EmbeddedServer server = EmbeddedServer::start(options);
    CHECK(query(server.url(), "SHOW max_connections") == "7");
    CHECK(query(server.url(), "SHOW work_mem") == "5MB");
    CHECK(query(server.url(), "SELECT current_database()") == "other_test_db");

    SECTION("tcp_port listens on 127.0.0.1 as well, with the server's password only") {
        // Any currently free port will do; 0 asks the kernel for one.
        const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(probe, reinterpret_cast<sockaddr*>(&addr), &len);
        ::close(probe);
        EmbeddedServerOptions tcp = base.options();
        tcp.tcp_port = ntohs(addr.sin_port);
        EmbeddedServer over_tcp = EmbeddedServer::start(tcp);
        CHECK(over_tcp.port() == tcp.tcp_port);
        CHECK(query(over_tcp.tcpUrl(), "SELECT 1") == "1");
        CHECK(over_tcp.tcpUrl().find(":" + std::to_string(tcp.tcp_port) + "/testdb_test") !=
              std::string::npos);
        // Without the password TCP admits nobody; the socket still admits its owner.
        CHECK_THROWS_WITH(query("host=127.0.0.1 port=" + std::to_string(tcp.tcp_port) +
                                    " user=postgres dbname=testdb_test password=",
                                "SELECT 1"),
                          Catch::Contains("password"));
        CHECK(query(over_tcp.url(), "SELECT 1") == "1");
        CHECK(server.tcpUrl().empty());
    }
}

TEST_CASE("a failed start says why and leaves nothing behind", "[embedded]") {
    TestBase base;
    EmbeddedServerOptions options = base.options();

    SECTION("a setting postgres rejects: the error quotes server.log") {
        options.settings = {"max_connections=banana"};
        CHECK_THROWS_WITH(EmbeddedServer::start(options),
                          Contains("max_connections") && Contains("server.log") && Contains("Fix"));
    }
    SECTION("a setting that is not name=value") {
        options.settings = {"fsync"};
        CHECK_THROWS_WITH(EmbeddedServer::start(options), Contains("'fsync'") && Contains("name=value"));
    }
    SECTION("a database name without \"test\"") {
        options.database = "production";
        CHECK_THROWS_WITH(EmbeddedServer::start(options), Contains("production") && Contains("test"));
    }
    SECTION("a base_dir that does not exist") {
        options.base_dir = base.path / "missing";
        CHECK_THROWS_WITH(EmbeddedServer::start(options), Contains((base.path / "missing").string()));
    }
    SECTION("a TESTDB_PG_BINDIR without the binaries") {
        const EnvGuard env("TESTDB_PG_BINDIR", "/nonexistent/pg/bin");
        CHECK_THROWS_WITH(EmbeddedServer::findBinDir(),
                          Contains("/nonexistent/pg/bin") && Contains("TESTDB_PG_BINDIR"));
        CHECK_THROWS_AS(EmbeddedServer::start(options), EmbeddedServerError);
    }
    SECTION("a server user that does not exist (as root)") {
        if (::geteuid() == 0) {
            const EnvGuard env("TESTDB_SERVER_USER", "testdb-no-such-user");
            CHECK_THROWS_WITH(EmbeddedServer::start(options),
                              Contains("testdb-no-such-user") && Contains("TESTDB_SERVER_USER"));
        }
    }
    CHECK(base.servers().empty());
}

TEST_CASE("a detached server outlives its object until stop_detached", "[embedded]") {
    TestBase base;
    fs::path dir;
    pid_t pid = 0;
    std::string url;
    {
        EmbeddedServer server = EmbeddedServer::start(base.options());
        dir = server.directory();
        pid = server.pid();
        url = server.url();
        server.detach();
    }
    REQUIRE(fs::exists(dir));
    CHECK(query(url, "SELECT 1") == "1");
    CHECK(fs::exists(dir / "detached"));
    CHECK_FALSE(fs::exists(dir / "owner.pid"));
    CHECK(EmbeddedServer::sweepOrphans(base.path).empty());

    CHECK(EmbeddedServer::stopDetached(dir));
    CHECK_FALSE(fs::exists(dir));
    CHECK_FALSE(alive(pid));
    CHECK_FALSE(EmbeddedServer::stopDetached(dir));
    CHECK_THROWS_WITH(EmbeddedServer::stopDetached(base.path), Contains("refusing"));
}

TEST_CASE("sweep_orphans removes the servers of dead processes only", "[embedded]") {
    TestBase base;
    const EmbeddedServerOptions options = base.options();
    // A child starts a server and dies without stopping it, like a SIGKILL.
    auto [child, line] = run_child("exit", options);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE_THAT(line, !Contains("error"));
    const fs::path orphan = line.substr(0, line.find(' '));
    const pid_t postmaster = std::stoi(line.substr(line.find(' ') + 1));
    REQUIRE(fs::exists(orphan));
    REQUIRE(alive(postmaster));

    EmbeddedServer mine = EmbeddedServer::start(options);  // owner alive: kept
    const std::vector<fs::path> removed = EmbeddedServer::sweepOrphans(base.path);
    REQUIRE(removed.size() == 1);
    CHECK(removed.front() == orphan);
    CHECK_FALSE(fs::exists(orphan));
    CHECK(gone_within(postmaster, std::chrono::seconds(5)));
    CHECK(fs::exists(mine.directory()));
    CHECK(query(mine.url(), "SELECT 1") == "1");
}

TEST_CASE("SIGTERM, SIGINT and SIGHUP stop the server, then end the process", "[embedded]") {
    TestBase base;
    const EmbeddedServerOptions options = base.options();
    for (const int sig : {SIGTERM, SIGINT, SIGHUP}) {
        INFO("signal " << sig);
        auto [child, line] = run_child("wait", options);
        REQUIRE_THAT(line, !Contains("error"));
        const fs::path dir = line.substr(0, line.find(' '));
        const pid_t postmaster = std::stoi(line.substr(line.find(' ') + 1));
        REQUIRE(fs::exists(dir));
        ::kill(child, sig);
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        CHECK(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == sig);
        CHECK_FALSE(fs::exists(dir));
        CHECK(gone_within(postmaster, std::chrono::seconds(5)));
    }
    CHECK(base.servers().empty());
}

// Figures for the report, not assertions: run with
//   testdb_integration_tests "[.embedded-bench]"
TEST_CASE("embedded server timings", "[.embedded-bench]") {
    TestBase base;
    using ms = std::chrono::duration<double, std::milli>;
    auto measure = [&](const char* label, EmbeddedServerOptions options, int rounds) {
        double first_query = 0, stop = 0, init = 0;
        for (int i = 0; i < rounds; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            EmbeddedServer server = EmbeddedServer::start(options);
            query(server.url(), "SELECT 1");
            const auto t1 = std::chrono::steady_clock::now();
            server.stop();
            const auto t2 = std::chrono::steady_clock::now();
            first_query += ms(t1 - t0).count();
            stop += ms(t2 - t1).count();
            init += static_cast<double>(server.timings().init.count());
        }
        std::cout << label << ": start to first query " << first_query / rounds << " ms (init "
                  << init / rounds << " ms), stop " << stop / rounds << " ms, " << rounds
                  << " rounds\n";
    };
    EmbeddedServerOptions cold = base.options();
    cold.use_cache = false;
    measure("cold (initdb)", cold, 5);
    EmbeddedServerOptions cached = base.options();
    cached.cache_dir = base.path / "cache";
    EmbeddedServer::start(cached).stop();  // fills the cache
    measure("cached (copy)", cached, 10);
}

// Fault matrix, server loss (scenarios 2, 3, 9): the postmaster SIGKILLed
// while a suite runs, the server restarted while a suite runs, and SIGINT /
// SIGTERM to a suite that runs its own embedded server.
#include <grp.h>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "fault_support.hpp"
#include "testdb/report.hpp"
#include "testdb/testdb.hpp"

using Catch::Matchers::Contains;
using fault::Child;
using fault::TempDir;
using namespace std::chrono_literals;

namespace {

/// "<server dir> <postmaster pid>" as written by the child's "ready" file.
struct ServerInfo {
    fault::fs::path dir;
    pid_t postmaster = 0;
};

ServerInfo read_info(const fault::fs::path& file) {
    std::istringstream in(fault::read_file(file));
    ServerInfo info;
    in >> info.dir >> info.postmaster;
    return info;
}

/// A postmaster we restarted ourselves on the server's data directory, with
/// the command line and identity of the original (EmbeddedServer has no
/// restart). Stopped and reaped at the end, before the EmbeddedServer
/// removes the directory.
class RestartedPostmaster {
public:
    explicit RestartedPostmaster(const testdb::EmbeddedServer& server) {
        const pid_t old = server.pid();
        const std::string proc = "/proc/" + std::to_string(old) + "/";
        std::vector<std::string> args;
        {
            const std::string cmdline = fault::read_file(proc + "cmdline");
            for (std::size_t pos = 0; pos < cmdline.size();) {
                const std::size_t end = cmdline.find('\0', pos);
                args.push_back(cmdline.substr(pos, end - pos));
                pos = end == std::string::npos ? cmdline.size() : end + 1;
            }
        }
        uid_t uid = 0;
        gid_t gid = 0;
        std::istringstream status(fault::read_file(proc + "status"));
        for (std::string line; std::getline(status, line);) {
            if (line.rfind("Uid:", 0) == 0) uid = static_cast<uid_t>(std::stoul(line.substr(4)));
            if (line.rfind("Gid:", 0) == 0) gid = static_cast<gid_t>(std::stoul(line.substr(4)));
        }
        REQUIRE(args.size() > 2);
        // A clean (fast) shutdown, then the same command line again: same
        // data directory, same socket, so the same URL works afterwards.
        ::kill(old, SIGINT);
        REQUIRE(fault::gone_within(old, 30s));
        const std::string log = (server.directory() / "server.log").string();
        const std::string cwd = server.directory().string();
        std::vector<char*> argv;
        for (auto& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {  // only async-signal-safe calls until exec
            ::setsid();
            const int fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            if (::getuid() == 0 && uid != 0 &&
                (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) {
                ::_exit(126);
            }
            if (::chdir(cwd.c_str()) != 0) ::_exit(126);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        const auto deadline = fault::Clock::now() + 30s;
        while (PQping(server.url().c_str()) != PQPING_OK) {
            REQUIRE(fault::Clock::now() < deadline);
            std::this_thread::sleep_for(20ms);
        }
    }
    RestartedPostmaster(const RestartedPostmaster&) = delete;
    RestartedPostmaster& operator=(const RestartedPostmaster&) = delete;
    ~RestartedPostmaster() {
        ::kill(pid_, SIGINT);
        int status = 0;
        for (int i = 0; i < 3000 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
            std::this_thread::sleep_for(10ms);
        }
    }

private:
    pid_t pid_ = -1;
};

/// The child suite's environment for a run against `url` (empty: the
/// child starts its own embedded server).
std::map<std::string, std::string> child_env(const TempDir& work, const std::string& url,
                                             const std::string& token) {
    std::map<std::string, std::string> env{{"TESTDB_FAULT_DIR", work.path.string()},
                                           {"TESTDB_RUN_TOKEN", token},
                                           {"TESTDB_REPORT", (work / "report.json").string()}};
    if (!url.empty()) env["DATABASE_URL_TEST"] = url;
    return env;
}

/// Checks the output of a [.kill] run: the running test failed on the lost
/// connection, the later ones with ServerUnavailable, the run non-zero.
void check_killed_run(Child& suite, fault::Clock::time_point killed_at) {
    REQUIRE(suite.finish(120s));
    const auto after_kill = fault::Clock::now() - killed_at;
    const std::string output = suite.output();
    INFO(output);
    CHECK(suite.exit_code() > 0);  // it failed and exited; no crash, no hang
    CHECK(after_kill < 60s);       // every remaining test failed fast
    CHECK_THAT(output, Contains("kill 1: the running test loses its server") &&
                           (Contains("server closed the connection unexpectedly") ||
                            Contains("terminating connection due to unexpected postmaster exit") ||
                            Contains("broken_connection") || Contains("not connected") ||
                            // libpqxx 6 tries to reconnect a lost connection
                            // first and reports that attempt when the kill
                            // lands between two statements.
                            Contains("Connection to database failed")));
    CHECK_THAT(output, Contains("kill 2: a test after the loss") &&
                           Contains("ServerUnavailable: cannot connect to"));
    CHECK_THAT(output, Contains("0/4 tests passed"));
}

}  // namespace

TEST_CASE(
    "2. postmaster SIGKILLed mid-suite (the suite's own embedded server): tests fail "
    "fast, exit non-zero, directory removed",
    "[fault][kill]") {
    TempDir work;
    Child suite(TESTDB_FAULT_SUITE, {"-r", "compact", "[.kill]"}, child_env(work, "", "killown"),
                work.path, work / "out.txt");
    REQUIRE(fault::wait_for_file(work / "ready", 90s));
    const ServerInfo info = read_info(work / "ready");
    REQUIRE(info.postmaster > 0);
    REQUIRE(fault::fs::exists(info.dir));
    REQUIRE(::kill(info.postmaster, SIGKILL) == 0);
    check_killed_run(suite, fault::Clock::now());
    CHECK_FALSE(fault::fs::exists(info.dir));
    CHECK(fault::gone_within(info.postmaster, 10s));
}

TEST_CASE(
    "2. postmaster SIGKILLed mid-suite (a configured server): tests fail fast, exit "
    "non-zero",
    "[fault][kill]") {
    TempDir base;
    TempDir work;
    testdb::EmbeddedServerOptions options;
    options.base_dir = base.path;
    testdb::EmbeddedServer server = testdb::EmbeddedServer::start(options);
    Child suite(TESTDB_FAULT_SUITE, {"-r", "compact", "[.kill]"},
                child_env(work, server.url(), "killext"), work.path, work / "out.txt");
    REQUIRE(fault::wait_for_file(work / "ready", 60s));
    REQUIRE(::kill(server.pid(), SIGKILL) == 0);
    check_killed_run(suite, fault::Clock::now());
    server.stop();  // our server: stopping a killed one still removes it
    CHECK(fault::fs::is_empty(base.path));
}

TEST_CASE(
    "3. server restarted in-process: the holder sees the error, broken connections are "
    "replaced",
    "[fault][restart]") {
    TempDir base;
    testdb::EmbeddedServerOptions options;
    options.base_dir = base.path;
    testdb::EmbeddedServer server = testdb::EmbeddedServer::start(options);
    testdb::Pool pool(testdb::Config::parse(server.url() + "&connection_limit=2&pool_timeout=10"),
                      "restartin");
    testdb::Lease holder = pool.acquire("holds through the restart");
    {
        testdb::Lease idle = pool.acquire("idle through the restart");
        pqxx::nontransaction(idle.connection()).exec("SELECT 1");
    }
    pqxx::nontransaction(holder.connection()).exec("SELECT 1");
    RestartedPostmaster restarted(server);
    CHECK_THROWS_AS(pqxx::nontransaction(holder.connection()).exec("SELECT 1"),
                    pqxx::broken_connection);
    holder.release();
    {
        testdb::Lease a = pool.acquire("after restart a");
        testdb::Lease b = pool.acquire("after restart b");
        CHECK(testdb::queryValue<int>(pqxx::nontransaction(a.connection()), "SELECT 1") == 1);
        CHECK(testdb::queryValue<int>(pqxx::nontransaction(b.connection()), "SELECT 1") == 1);
    }
    const testdb::PoolStats stats = pool.stats();
    CHECK(stats.replaced == 2);
    CHECK(stats.opened == 4);
    CHECK(fault::backends_of_run(server.url(), "restartin") == 2);
    pool.shutdown();
    CHECK(fault::wait_no_backends(server.url(), "restartin") == 0);
}

TEST_CASE("3. server restarted mid-suite: the tests after the restart pass", "[fault][restart]") {
    TempDir base;
    TempDir work;
    testdb::EmbeddedServerOptions options;
    options.base_dir = base.path;
    testdb::EmbeddedServer server = testdb::EmbeddedServer::start(options);
    Child suite(TESTDB_FAULT_SUITE, {"-r", "compact", "[.restart]"},
                child_env(work, server.url() + "&connection_limit=2", "restarted"), work.path,
                work / "out.txt");
    REQUIRE(fault::wait_for_file(work / "ready", 60s));
    {
        RestartedPostmaster restarted(server);
        fault::touch(work / "restarted");
        REQUIRE(suite.finish(120s));
        const std::string output = suite.output();
        INFO(output);
        CHECK(suite.exit_code() == 0);
        CHECK_THAT(output, Contains("3/3 tests passed"));
        const testdb::RunReport report = testdb::RunReport::read(work / "report.json");
        CHECK(report.pool.replaced == 2);
        CHECK(report.leftovers.empty());
        CHECK(report.leaks.empty());
        fault::RawConnection db(server.url());
        CHECK(db.count("SELECT count(*) FROM tenants WHERE slug LIKE '%-restarted'") == 0);
        CHECK(db.count("SELECT count(*) FROM items") == 0);
        CHECK(fault::wait_no_backends(server.url(), "restarted") == 0);
    }
}

TEST_CASE(
    "9. SIGINT / SIGTERM to a suite with its own embedded server: the server stops and "
    "its directory goes",
    "[fault][signal]") {
    const int sig = GENERATE(SIGINT, SIGTERM);
    TempDir work;
    Child suite(TESTDB_FAULT_SUITE, {"-r", "compact", "[.signal]"},
                child_env(work, "", "signalled"), work.path, work / "out.txt");
    REQUIRE(fault::wait_for_file(work / "ready", 90s));
    const ServerInfo info = read_info(work / "ready");
    REQUIRE(info.postmaster > 0);
    REQUIRE(fault::fs::exists(info.dir / "data"));
    const auto signalled = fault::Clock::now();
    suite.signal(sig);
    REQUIRE(suite.finish(60s));
    INFO("signal " << sig << "\n" << suite.output());
    CHECK(fault::Clock::now() - signalled < 30s);
    // Ended by the signal itself (the default action after testdb's
    // cleanup), so a shell or CI sees "killed by SIGINT/SIGTERM".
    CHECK(suite.term_signal() == sig);
    CHECK(fault::gone_within(info.postmaster, 15s));
    CHECK_FALSE(fault::fs::exists(info.dir));
    // No other /tmp/testdb-* directory names the dead suite as its owner.
    for (const auto& entry : fault::fs::directory_iterator("/tmp")) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("testdb-", 0) != 0) continue;
        std::istringstream owner(fault::read_file(entry.path() / "owner.pid"));
        pid_t pid = 0;
        owner >> pid;
        CHECK(pid != suite.pid());
    }
}

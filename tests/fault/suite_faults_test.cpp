// Fault matrix, suite level (scenarios 6, 7, 8, 10): misbehaving tests, two
// processes on one database, a crashed previous run, and the wrong database.
// Every scenario runs the fault child suite against a server started here,
// and checks the database itself through a raw connection.
#include <catch2/catch.hpp>

#include "fault_support.hpp"
#include "testdb/report.hpp"
#include "testdb/testdb.hpp"

using Catch::Matchers::Contains;
using fault::Child;
using fault::RawConnection;
using fault::TempDir;
using namespace std::chrono_literals;

namespace {

/// A server in a private base directory, for one test case.
struct Server {
    TempDir base;
    testdb::EmbeddedServer server;
    Server() : server(testdb::EmbeddedServer::start(options(base))) {}
    static testdb::EmbeddedServerOptions options(const TempDir& dir) {
        testdb::EmbeddedServerOptions opts;
        opts.base_dir = dir.path;
        return opts;
    }
    std::string url() const { return server.url(); }
};

/// Runs the fault child suite's `tag` against `url` with run token `token`,
/// to completion (bounded), in its own working directory.
struct SuiteRun {
    TempDir work;
    std::unique_ptr<Child> child;
    SuiteRun(const std::string& tag, const std::string& url, const std::string& token,
             std::map<std::string, std::string> extra = {}) {
        extra.emplace("TESTDB_FAULT_DIR", work.path.string());
        extra.emplace("TESTDB_RUN_TOKEN", token);
        extra.emplace("TESTDB_REPORT", (work / "report.json").string());
        extra.emplace("DATABASE_URL_TEST", url);
        child = std::make_unique<Child>(TESTDB_FAULT_SUITE,
                                        std::vector<std::string>{"-r", "compact", tag}, extra,
                                        work.path, work / "out.txt");
    }
    bool finish(std::chrono::seconds timeout = 120s) { return child->finish(timeout); }
    std::string output() const { return child->output(); }
    testdb::RunReport report() const { return testdb::RunReport::read(work / "report.json"); }
};

long long rows_of_run(RawConnection& db, const std::string& token) {
    return db.count(
               "SELECT count(*) FROM items i JOIN tenants t ON t.id = i.tenant_id "
               "WHERE t.slug LIKE '%-" +
               token + "'") +
           db.count("SELECT count(*) FROM tenants WHERE slug LIKE '%-" + token + "'");
}

}  // namespace

TEST_CASE("6. an exception inside withTransaction fails that test only", "[fault][tests]") {
    Server server;
    SuiteRun run("[.txexc]", server.url(), "txexc");
    REQUIRE(run.finish());
    const std::string output = run.output();
    INFO(output);
    CHECK(run.child->exit_code() > 0);
    CHECK_THAT(output, Contains("txexc 1: an exception inside withTransaction") &&
                           Contains("boom inside withTransaction"));
    CHECK_THAT(output, Contains("testdb: 1/2 tests passed"));
    const testdb::RunReport report = run.report();
    CHECK(report.tests_failed == 1);
    for (const testdb::TestRecord& test : report.slowest) {
        CHECK(test.passed == (test.name == "txexc 2: the next test is unaffected"));
    }
    CHECK(report.leaks.empty());  // an exception is not a leak: nothing was left open
    CHECK(report.leftovers.empty());
    CHECK(report.pool.opened == 1);
    RawConnection db(server.url());
    CHECK(rows_of_run(db, "txexc") == 0);
    CHECK(fault::wait_no_backends(server.url(), "txexc") == 0);
}

TEST_CASE("6. a lease left idle in a transaction is reported against its test", "[fault][tests]") {
    Server server;
    SuiteRun run("[.idle]", server.url(), "idletx");
    REQUIRE(run.finish());
    const std::string output = run.output();
    INFO(output);
    CHECK(run.child->exit_code() > 0);
    CHECK_THAT(output, Contains("LeakError: test \"idle 1: keeps a lease idle in a transaction\" "
                                "ended while still holding a lease:") &&
                           Contains("held by \"idle in transaction on purpose\"") &&
                           Contains("(in transaction)"));
    CHECK_THAT(output, Contains("testdb: 1/2 tests passed"));
    RawConnection db(server.url());
    CHECK(fault::wait_no_backends(server.url(), "idletx") == 0);
    CHECK(rows_of_run(db, "idletx") == 0);
}

TEST_CASE("6. a kept transaction locking its tenant fails that test's cleanup in bounded time",
          "[fault][tests]") {
    Server server;
    SuiteRun run("[.idle-lock]", server.url(), "idlelock");
    // Before the fix the cleanup's DELETE waited for the kept transaction's
    // lock forever: the run never ended.
    const bool finished = run.finish(90s);
    const std::string output = run.output();
    INFO(output);
    REQUIRE(finished);
    CHECK(run.child->elapsed() < 60s);
    CHECK(run.child->exit_code() > 0);
    CHECK_THAT(output, Contains("LeakError: test \"idle-lock 1: keeps a transaction that locks "
                                "its tenant\" ended while still holding a lease") &&
                           Contains("LeakError: cleanup of tenants "
                                    "transactions-a-idlelock/transactions-b-idlelock waited 10 s "
                                    "for a lock"));
    // The test of the other file ran normally.
    CHECK_THAT(output, Contains("testdb: 1/2 tests passed"));
    CHECK(fault::wait_no_backends(server.url(), "idlelock") == 0);
    // The kept tenant's row stays behind (its cleanup failed; the process
    // is gone now, so the next run's start-of-run sweep removes it).
    RawConnection db(server.url());
    CHECK(db.count("SELECT count(*) FROM tenants WHERE slug LIKE '%-idlelock'") == 1);
    CHECK(db.count("SELECT count(*) FROM items") == 0);
}

TEST_CASE("7. two processes run the same suite on one database at once", "[fault][concurrent]") {
    Server server;
    TempDir shared;  // the barrier both children wait at
    const std::map<std::string, std::string> barrier{{"TESTDB_FAULT_DIR", shared.path.string()}};
    SuiteRun one("[.concurrent]", server.url(), "concone", barrier);
    SuiteRun two("[.concurrent]", server.url(), "conctwo", barrier);
    REQUIRE(fault::wait_for_file(shared / "started-concone", 60s));
    REQUIRE(fault::wait_for_file(shared / "started-conctwo", 60s));
    fault::touch(shared / "go");
    REQUIRE(one.finish());
    REQUIRE(two.finish());
    for (SuiteRun* run : {&one, &two}) {
        INFO(run->output());
        CHECK(run->child->exit_code() == 0);
        const testdb::RunReport report = run->report();
        CHECK(report.tests_failed == 0);
        CHECK(report.tests_total == 3);
        CHECK(report.leftovers.empty());
        CHECK(report.leaks.empty());
        CHECK(report.stale_swept.empty());  // neither swept the other's live tenants
        CHECK(report.pool.opened <= 3);
    }
    RawConnection db(server.url());
    CHECK(db.count("SELECT count(*) FROM items") == 0);
    CHECK(db.count("SELECT count(*) FROM tenants") == 0);
    CHECK(fault::wait_no_backends(server.url(), "concone") == 0);
    CHECK(fault::wait_no_backends(server.url(), "conctwo") == 0);
}

TEST_CASE("8. a crashed run's rows are swept and reported by the next run", "[fault][crash]") {
    Server server;
    SuiteRun crashed("[.crash]", server.url(), "crashed");
    REQUIRE(crashed.finish());
    INFO(crashed.output());
    REQUIRE(crashed.child->term_signal() == SIGKILL);
    RawConnection db(server.url());
    CHECK(rows_of_run(db, "crashed") == 2 + 6);  // 2 tenants, 6 items left behind
    // Its backends go once the server notices the dead client.
    REQUIRE(fault::wait_no_backends(server.url(), "crashed") == 0);

    SuiteRun next("[.after-crash]", server.url(), "aftercrash");
    REQUIRE(next.finish());
    INFO(next.output());
    CHECK(next.child->exit_code() == 0);
    const testdb::RunReport report = next.report();
    CHECK_THAT(report.stale_swept, Catch::Matchers::UnorderedEquals(std::vector<std::string>{
                                       "crash-a-crashed", "crash-b-crashed"}));
    CHECK(report.tests_failed == 0);
    CHECK(rows_of_run(db, "crashed") == 0);
    CHECK(rows_of_run(db, "aftercrash") == 0);
    CHECK(db.count("SELECT count(*) FROM items") == 0);
}

TEST_CASE("10. a database without \"test\" in its name is refused before any DELETE",
          "[fault][guard]") {
    Server server;
    RawConnection admin(server.url());
    admin.value("CREATE DATABASE app");
    const std::string app_url = fault::with_database(server.url(), "app");
    RawConnection app(app_url);
    // Real data, including a tenant that looks exactly like a stale tenant
    // of the suite's "guard" file: the start-of-run sweep would delete it.
    app.value("CREATE TABLE tenants (id bigserial PRIMARY KEY, slug text NOT NULL UNIQUE)");
    app.value(
        "CREATE TABLE items (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL "
        "REFERENCES tenants (id), slug text NOT NULL, label text NOT NULL DEFAULT '')");
    app.value("INSERT INTO tenants (slug) VALUES ('crash-a-dead01'), ('real-customer')");
    app.value("INSERT INTO items (tenant_id, slug) SELECT id, 'order' FROM tenants");

    SuiteRun run("[.guard]", app_url, "guardapp");
    REQUIRE(run.finish());
    const std::string output = run.output();
    INFO(output);
    CHECK(run.child->exit_code() != 0);
    CHECK_THAT(output, Contains("testdb refused to delete") && Contains("database 'app'") &&
                           Contains("does not contain \"test\""));
    CHECK_FALSE(fault::fs::exists(run.work / "guard-ran"));
    CHECK(app.count("SELECT count(*) FROM tenants") == 2);
    CHECK(app.count("SELECT count(*) FROM items") == 2);
    // The guard runs before the schema: 'app' gets no tables of the suite.
    CHECK(app.value("SELECT to_regclass('testdb_schema_state') IS NULL") == "t");
}

TEST_CASE(
    "10. APP_ENV=production is refused before any DELETE; the override proves the rows "
    "were at stake",
    "[fault][guard]") {
    Server server;
    {
        // The suite's schema and a stale-looking tenant with rows.
        SuiteRun prepare("[.after-crash]", server.url(), "prepare");
        REQUIRE(prepare.finish());
    }
    RawConnection db(server.url());
    db.value("INSERT INTO tenants (slug) VALUES ('crash-a-dead02')");
    db.value("INSERT INTO items (tenant_id, slug) SELECT id, 'order' FROM tenants");

    SuiteRun refused("[.guard]", server.url(), "guardprod", {{"APP_ENV", "production"}});
    REQUIRE(refused.finish());
    {
        const std::string output = refused.output();
        INFO(output);
        CHECK(refused.child->exit_code() != 0);
        CHECK_THAT(output, Contains("testdb refused to delete") && Contains("APP_ENV=production"));
        CHECK_FALSE(fault::fs::exists(refused.work / "guard-ran"));
        CHECK(db.count("SELECT count(*) FROM tenants WHERE slug = 'crash-a-dead02'") == 1);
        CHECK(db.count("SELECT count(*) FROM items") == 1);
    }
    // The control: with the documented override the same run sweeps it.
    SuiteRun allowed("[.after-crash]", server.url(), "guardok",
                     {{"APP_ENV", "production"}, {"TESTDB_ALLOW_ANY_DATABASE", "1"}});
    REQUIRE(allowed.finish());
    INFO(allowed.output());
    CHECK(allowed.child->exit_code() == 0);
    CHECK(allowed.report().stale_swept == std::vector<std::string>{"crash-a-dead02"});
    CHECK(db.count("SELECT count(*) FROM items") == 0);
}

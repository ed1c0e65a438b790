// Self-tests of testdb's Catch2 adapters: the good, bad and duplicate
// suites run as child processes against this process's test database, and
// this test checks their exit codes, messages, reports and what they left.
// Each test case runs once per adapter (GENERATE over adapterSuites()).
#include <chrono>
#include <filesystem>
#include <thread>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "adapter_suites.hpp"
#include "child_process.hpp"
#include "testdb/testdb.hpp"
#include "testdb/report.hpp"
#include "testdb/tenants.hpp"

using Catch::Matchers::Contains;

namespace {

std::map<std::string, std::string> child_env(const std::string& token) {
    return {{"DATABASE_URL_TEST", testdb::getTestDb().config().libpq_url},
            {"TESTDB_RUN_TOKEN", token}};
}

long long rows_where(const std::string& table, const std::string& where) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return testdb::queryRow(tx, "SELECT count(*) FROM " + table + " WHERE " + where)[0].as<long long>();
    });
}

long long tenants_of_run(const std::string& token) {
    return rows_where("tenants", "slug LIKE '%-" + token + "'");
}

// Sweeps the bad suite's stale tenants once the child run `token` is gone
// from the server too: a backend can outlive its client's exit by a moment
// under load, and the sweep rightly spares a run whose backend is alive.
std::vector<std::string> sweep_after_exit(const std::string& token) {
    const auto backends = [&] {
        return testdb::withTransaction([&](testdb::Transaction& tx) {
            return testdb::queryValue<long long>(
                tx, "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE $1",
                "%-" + token);
        });
    };
    for (int attempt = 0; attempt < 200 && backends() > 0; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return testdb::sweepStaleTenants({"bad-behaviour"});
}

child::Result run_bad(const selftest::AdapterSuites& suites, const std::string& tag,
                      const std::string& token, std::map<std::string, std::string> extra = {}) {
    auto env = child_env(token);
    env.insert(extra.begin(), extra.end());
    // The compact reporter never wraps lines, so messages can be matched whole.
    return child::run(suites.bad, "-r compact '" + tag + "'", env);
}

}  // namespace

TEST_CASE("good suite: 5 files share the pool, pass, and leave the database clean",
          "[selftest]") {
    const selftest::AdapterSuites suites = GENERATE(from_range(selftest::adapterSuites()));
    INFO("adapter: " << suites.framework);
    const std::string report_path =
        (std::filesystem::temp_directory_path() / "testdb-good-report.json").string();
    std::filesystem::remove(report_path);
    auto env = child_env("goodrun");
    env["TESTDB_REPORT"] = report_path;
    const child::Result run = child::run(suites.good, "", env);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    CHECK_THAT(run.output, Contains("testdb: ") && Contains("peak connections"));
    const testdb::RunReport report = testdb::RunReport::read(report_path);
    CHECK(report.tests_failed == 0);
    CHECK(report.tests_total >= 20);
    CHECK(report.files.size() == 5);
    CHECK(report.pool.peak_in_use <= 3);
    CHECK(report.pool.opened <= 3);
    CHECK(report.leftovers.empty());
    CHECK(report.leaks.empty());
    CHECK(report.run_token == "goodrun");
    CHECK(tenants_of_run("goodrun") == 0);
    CHECK(rows_where("items", "true") == 0);
    CHECK(rows_where("item_notes", "true") == 0);
    std::filesystem::remove(report_path);
}

TEST_CASE("bad suite: a test that keeps a lease fails, naming the test and the line",
          "[selftest]") {
    const selftest::AdapterSuites suites = GENERATE(from_range(selftest::adapterSuites()));
    INFO("adapter: " << suites.framework);
    const child::Result run = run_bad(suites, "[keeps-lease]", "badlease");
    INFO(run.output);
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.output, Contains("LeakError: test \"keeps a lease past its end\" ended while "
                                    "still holding a lease:") &&
                               Contains("held by \"kept on purpose\" at "));
    CHECK_THAT(run.output, Contains("bad_behaviour_test.cpp:"));
    // The test after it is unaffected: only the first one fails.
    CHECK_THAT(run.output, Contains("testdb: 1/2 tests passed"));
}

TEST_CASE("bad suite: a connection given back inside a transaction fails its test",
          "[selftest]") {
    const selftest::AdapterSuites suites = GENERATE(from_range(selftest::adapterSuites()));
    INFO("adapter: " << suites.framework);
    const child::Result run = run_bad(suites, "[open-transaction]", "badtx");
    INFO(run.output);
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.output,
               Contains("test \"gives a connection back inside an open transaction\" gave back "
                        "1 connection(s) inside an open transaction"));
}

TEST_CASE("bad suite: rows left with cleanup disabled fail the test and are still removed",
          "[selftest]") {
    const selftest::AdapterSuites suites = GENERATE(from_range(selftest::adapterSuites()));
    INFO("adapter: " << suites.framework);
    const child::Result run = run_bad(suites, "[leaves-rows]", "badrows");
    INFO(run.output);
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.output, Contains("LeakError: test \"leaves rows with cleanup disabled\" left "
                                    "rows of tenants bad-behaviour-a-badrows"));
    CHECK_THAT(run.output, Contains("items 3"));
    CHECK(tenants_of_run("badrows") == 0);
}

TEST_CASE("bad suite: holding 3 leases and asking for a 4th is an immediate PoolDeadlock",
          "[selftest]") {
    const selftest::AdapterSuites suites = GENERATE(from_range(selftest::adapterSuites()));
    INFO("adapter: " << suites.framework);
    const child::Result run = run_bad(suites, "[fourth-lease]", "baddead");
    INFO(run.output);
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.output, Contains("PoolDeadlock") && Contains("\"fourth\"") &&
                               Contains("already holds all 3"));
}

TEST_CASE("two files claiming one slug stop the run at start-up, naming both", "[selftest]") {
    const selftest::AdapterSuites suites = GENERATE(from_range(selftest::adapterSuites()));
    INFO("adapter: " << suites.framework);
    const child::Result run = child::run(suites.duplicate, "", child_env("dupslug"));
    INFO(run.output);
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.output, Contains("one_test.cpp") && Contains("two_test.cpp") &&
                               Contains("\"same-slug\""));
    CHECK_THAT(run.output, !Contains("never runs"));
}

TEST_CASE("TESTDB_KEEP_FAILED keeps a failed test's rows; the next run sweeps them",
          "[selftest]") {
    const selftest::AdapterSuites suites = GENERATE(from_range(selftest::adapterSuites()));
    INFO("adapter: " << suites.framework);
    const std::string report_path =
        (std::filesystem::temp_directory_path() / "testdb-keep-failed-report.json").string();
    std::filesystem::remove(report_path);
    const child::Result run = run_bad(suites, "[keep-failed]", "keepme",
                                      {{"TESTDB_KEEP_FAILED", "1"}, {"TESTDB_REPORT", report_path}});
    INFO(run.output);
    CHECK(run.exit_code != 0);
    // The adapter hands the framework's failure text to the report.
    const testdb::RunReport report = testdb::RunReport::read(report_path);
    REQUIRE(report.failures.size() == 1);
    CHECK(report.failures[0].name == "fails with rows of its tenants");
    CHECK_THAT(report.failures[0].message, Contains("failing on purpose"));
    std::filesystem::remove(report_path);
    CHECK_THAT(run.output, Contains("kept the rows of \"fails with rows of its tenants\"") &&
                               Contains("psql '") && Contains("bad-behaviour-ak"));
    CHECK(tenants_of_run("keepme") == 1);
    CHECK(rows_where("items", "tenant_id IN (SELECT id FROM tenants WHERE slug LIKE '%-keepme')") ==
          2);
    // The child is gone, so its run token has no live backend: stale.
    const auto swept = sweep_after_exit("keepme");
    REQUIRE(swept.size() == 1);
    CHECK(swept[0].rfind("bad-behaviour-ak", 0) == 0);
    CHECK(tenants_of_run("keepme") == 0);
    CHECK(rows_where("items", "true") == 0);
}

namespace {

// Runs the bad suite with `tag`, which must fail; returns what it printed.
std::string failed_bad_run(const selftest::AdapterSuites& suites, const std::string& tag,
                           const std::string& token, std::map<std::string, std::string> extra = {}) {
    const child::Result run = run_bad(suites, tag, token, std::move(extra));
    CHECK(run.exit_code != 0);
    return run.output;
}

}  // namespace

TEST_CASE("bad suite: a thread that makes a tenant after its test ended is refused",
          "[selftest][late]") {
    const selftest::AdapterSuites suites = GENERATE(from_range(selftest::adapterSuites()));
    INFO("adapter: " << suites.framework);
    const std::string output = failed_bad_run(suites, "[late-tenant]", "latetenant");
    INFO(output);
    CHECK_THAT(output,
               Contains("late work: IsolationError: tenant bad-behaviour-a-latetenant (create() or "
                        "id()) at late_tenant.cpp:11 after test \"starts a thread that makes a "
                        "tenant after the test ended\" ended"));
    CHECK_THAT(output, Contains("testdb: the run fails: IsolationError"));
    CHECK(tenants_of_run("latetenant") == 0);
}

TEST_CASE("bad suite: a lease taken after its test ended is refused", "[selftest][late]") {
    const selftest::AdapterSuites suites = GENERATE(from_range(selftest::adapterSuites()));
    INFO("adapter: " << suites.framework);
    const std::string output = failed_bad_run(suites, "[late-lease]", "latelease");
    INFO(output);
    CHECK_THAT(output, Contains("late work: IsolationError: \"late lease\" asked for a "
                                "connection at late_lease.cpp:22 after test \"starts a thread "
                                "that leases after the test ended\" ended"));
}

TEST_CASE("bad suite: rows left at run end fail the run, naming tables, counts and tenant",
          "[selftest][leftovers]") {
    const selftest::AdapterSuites suites = GENERATE(from_range(selftest::adapterSuites()));
    INFO("adapter: " << suites.framework);
    const std::string output = failed_bad_run(suites, "[stray-rows]", "strayrun");
    INFO(output);
    CHECK_THAT(output, Contains("testdb: 1/1 tests passed"));  // no test case failed...
    CHECK_THAT(output, Contains("LeakError: the run left rows behind") &&  // ...the run did
                           Contains("tenant bad-behaviour-x-strayrun (a tenant of ") &&
                           Contains("items 2, tenants 1"));
    CHECK(sweep_after_exit("strayrun").size() == 1);
    CHECK(tenants_of_run("strayrun") == 0);
}

TEST_CASE("bad suite: holder lines keep their long file:line whole on the console",
          "[selftest][console]") {
    const selftest::AdapterSuites suites = GENERATE(from_range(selftest::adapterSuites()));
    INFO("adapter: " << suites.framework);
    const std::string long_path =
        "/home/ci/builds/a-group/a-subgroup/the-project/tests/integration/a_rather_long_directory_"
        "name/booking_repository_holder_test.cpp";
    auto env = child_env("longpath");
    env["TESTDB_POOL_TIMEOUT"] = "1";
    // The console reporter (the default), which wraps long lines.
    const child::Result run = child::run(suites.bad, "'[long-path]'", env);
    INFO(run.output);
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.output, Contains("LeakError") && Contains(long_path + ":4242"));
    CHECK_THAT(run.output, Contains("PoolTimeout") && Contains(long_path + ":4201") &&
                               Contains(long_path + ":4202") && Contains(long_path + ":4203"));
}

TEST_CASE("bad suite: a test that shuts the pool down is flagged at its call, not as a leak",
          "[selftest][shutdown]") {
    const selftest::AdapterSuites suites = GENERATE(from_range(selftest::adapterSuites()));
    INFO("adapter: " << suites.framework);
    const std::string report_path =
        (std::filesystem::temp_directory_path() / "testdb-shutdown-report.json").string();
    std::filesystem::remove(report_path);
    const std::string output =
        failed_bad_run(suites, "[shuts-pool]", "shutpool", {{"TESTDB_REPORT", report_path}});
    INFO(output);
    CHECK_THAT(output, Contains("Error: test \"shuts the pool down\" shut testdb's pool down "
                                "(shutdown() at ") &&
                           Contains("bad_behaviour_test.cpp:"));
    CHECK_THAT(output, !Contains("LeakError") && !Contains("tenants.cpp"));
    CHECK(testdb::RunReport::read(report_path).leaks.empty());
    std::filesystem::remove(report_path);
    sweep_after_exit("shutpool");
    CHECK(tenants_of_run("shutpool") == 0);
}

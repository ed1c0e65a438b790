// Self-tests of testdb's GoogleTest adapter: the GoogleTest ports of the
// good, bad, duplicate and rollback suites run as child processes against
// this process's test database; each misbehaviour must fail THAT GoogleTest
// test ("[  FAILED  ] Suite.Test") with testdb's message, and the exit code.
#ifdef TESTDB_GTEST_BAD_SUITE
#include <filesystem>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "child_process.hpp"
#include "testdb/report.hpp"
#include "testdb/testdb.hpp"

using Catch::Matchers::Contains;

namespace {

std::map<std::string, std::string> gtest_env(const std::string& token) {
    return {{"DATABASE_URL_TEST", testdb::getTestDb().config().libpq_url},
            {"TESTDB_RUN_TOKEN", token}};
}

long long gtest_tenants_of_run(const std::string& token) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return testdb::queryRow(tx, "SELECT count(*) FROM tenants WHERE slug LIKE '%-" + token + "'")[0]
            .as<long long>();
    });
}

// Deletes what a child run of `token` kept on purpose (its items, then its
// tenants). Not through sweepStaleTenants(): the child's backends may not have
// ended yet when the child has, and then its tenants do not look stale.
void remove_rows_of_run(const std::string& token) {
    testdb::withTransaction([&](testdb::Transaction& tx) {
        const std::string of_run = "SELECT id FROM tenants WHERE slug LIKE '%-" + token + "'";
        tx.exec("DELETE FROM items WHERE tenant_id IN (" + of_run + ")");
        tx.exec("DELETE FROM tenants WHERE slug LIKE '%-" + token + "'");
    });
}

// Runs the GoogleTest bad suite's tests matching `filter` (BadBehaviour.X).
child::Result run_gtest_bad(const std::string& filter, const std::string& token,
                            std::map<std::string, std::string> extra = {}) {
    auto env = gtest_env(token);
    env.insert(extra.begin(), extra.end());
    return child::run(TESTDB_GTEST_BAD_SUITE, "--gtest_filter='" + filter + "'", env);
}

// Runs BadBehaviour.<test> alone, which must fail as a GoogleTest test
// (listed FAILED, exit code 1); returns what the run printed.
std::string failed_gtest_bad(const std::string& test, const std::string& token,
                             std::map<std::string, std::string> extra = {}) {
    const child::Result run = run_gtest_bad("BadBehaviour." + test, token, std::move(extra));
    UNSCOPED_INFO(run.output);
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.output, Contains("[  FAILED  ] BadBehaviour." + test + " ("));
    return run.output;
}

}  // namespace

TEST_CASE("gtest good suite: passes, 11 tests in 3 files, the database clean", "[selftest][gtest]") {
    const std::string report_path =
        (std::filesystem::temp_directory_path() / "testdb-gtest-good-report.json").string();
    std::filesystem::remove(report_path);
    auto env = gtest_env("gtgood");
    env["TESTDB_REPORT"] = report_path;
    const child::Result run = child::run(TESTDB_GTEST_GOOD_SUITE, "", env);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    CHECK_THAT(run.output, Contains("[  PASSED  ] 11 tests.") && Contains("peak connections"));
    const testdb::RunReport report = testdb::RunReport::read(report_path);
    CHECK(report.tests_total == 11);
    CHECK(report.tests_failed == 0);
    CHECK(report.files.size() == 3);
    CHECK(report.leaks.empty());
    CHECK(gtest_tenants_of_run("gtgood") == 0);
    std::filesystem::remove(report_path);
}

TEST_CASE("gtest bad suite: a kept lease fails that test, not the next one", "[selftest][gtest]") {
    const child::Result run = run_gtest_bad("BadBehaviour.KeepsALeasePastItsEnd:BadBehaviourAfter.*", "gtlease");
    INFO(run.output);
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.output, Contains("LeakError: test \"BadBehaviour.KeepsALeasePastItsEnd\" ended "
                                    "while still holding a lease:") &&
                               Contains("held by \"kept on purpose\" at ") &&
                               Contains("bad_behaviour_test.cpp:"));
    CHECK_THAT(run.output, Contains("[  FAILED  ] BadBehaviour.KeepsALeasePastItsEnd (") &&
                               Contains("[       OK ] BadBehaviourAfter.PassesAfterTheMisbehavingOnes") &&
                               Contains("1 FAILED TEST"));
}

TEST_CASE("gtest bad suite: a connection given back inside a transaction fails its test",
          "[selftest][gtest]") {
    CHECK_THAT(failed_gtest_bad("GivesAConnectionBackInsideAnOpenTransaction", "gttx"),
               Contains("test \"BadBehaviour.GivesAConnectionBackInsideAnOpenTransaction\" "
                        "gave back 1 connection(s) inside an open transaction"));
}

TEST_CASE("gtest bad suite: rows left with cleanup disabled fail the test and are removed",
          "[selftest][gtest]") {
    CHECK_THAT(failed_gtest_bad("LeavesRowsWithCleanupDisabled", "gtrows"),
               Contains("LeakError: test \"BadBehaviour.LeavesRowsWithCleanupDisabled\" "
                        "left rows of tenants bad-behaviour-a-gtrows") && Contains("items 3"));
    CHECK(gtest_tenants_of_run("gtrows") == 0);
}

TEST_CASE("gtest bad suite: a 4th lease while holding 3 is a PoolDeadlock", "[selftest][gtest]") {
    CHECK_THAT(failed_gtest_bad("HoldsThreeLeasesAndAsksForAFourth", "gtdead"),
               Contains("PoolDeadlock") && Contains("\"fourth\""));
}

TEST_CASE("gtest: TESTDB_KEEP_FAILED keeps a failed test's rows", "[selftest][gtest]") {
    CHECK_THAT(failed_gtest_bad("FailsWithRowsOfItsTenants", "gtkeep", {{"TESTDB_KEEP_FAILED", "1"}}),
               Contains("kept the rows of \"BadBehaviour.FailsWithRowsOfItsTenants\"") &&
                   Contains("psql '"));
    CHECK(gtest_tenants_of_run("gtkeep") == 1);
    remove_rows_of_run("gtkeep");
}

TEST_CASE("gtest bad suite: work after a test ended fails the run", "[selftest][gtest][late]") {
    const child::Result tenant =
        run_gtest_bad("BadBehaviour.StartsAThreadThatMakesATenantAfterTheTestEnded", "gtlatet");
    INFO(tenant.output);
    CHECK(tenant.exit_code == 1);
    CHECK_THAT(tenant.output, Contains("late work: IsolationError: tenant bad-behaviour-a-gtlatet") &&
                                  Contains("testdb: the run fails: IsolationError"));
    CHECK(gtest_tenants_of_run("gtlatet") == 0);
    const child::Result lease =
        run_gtest_bad("BadBehaviour.StartsAThreadThatLeasesAfterTheTestEnded", "gtlatel");
    INFO(lease.output);
    CHECK(lease.exit_code == 1);
    CHECK_THAT(lease.output, Contains("late work: IsolationError: \"late lease\" asked for a "
                                      "connection at late_lease.cpp:22"));
}

TEST_CASE("gtest bad suite: rows left at run end fail the run though every test passed",
          "[selftest][gtest][leftovers]") {
    const child::Result run = run_gtest_bad("BadBehaviour.InsertsATenantOfItsOwnAndLeavesIt", "gtstray");
    INFO(run.output);
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.output, Contains("[  PASSED  ] 1 test.") &&
                               Contains("LeakError: the run left rows behind") &&
                               Contains("items 2, tenants 1"));
    CHECK(gtest_tenants_of_run("gtstray") == 1);
    remove_rows_of_run("gtstray");
}

TEST_CASE("gtest bad suite: a test that shuts the pool down is flagged at its call",
          "[selftest][gtest]") {
    CHECK_THAT(failed_gtest_bad("ShutsThePoolDown", "gtshut"),
               Contains("Error: test \"BadBehaviour.ShutsThePoolDown\" shut testdb's pool down "
                        "(shutdown() at "));
    remove_rows_of_run("gtshut");  // the pool was down: nothing could clean up
}

TEST_CASE("gtest: two files claiming one slug stop the run at start, naming both", "[selftest][gtest]") {
    const child::Result run = child::run(TESTDB_GTEST_DUPLICATE_SUITE, "", gtest_env("gtdup"));
    INFO(run.output);
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.output, Contains("testdb could not start the run: ") && Contains("one_test.cpp") &&
                               Contains("two_test.cpp") && Contains("\"same-slug\""));
    CHECK_THAT(run.output, !Contains("[       OK ]"));
}

TEST_CASE("gtest rollback tier: passes; a test that commits the transaction fails", "[selftest][gtest]") {
    const child::Result ok = child::run(TESTDB_GTEST_ROLLBACK_SUITE,
                                        "--gtest_filter='-RollbackEndsTransaction.*'", gtest_env("gtrbok"));
    INFO(ok.output);
    CHECK(ok.exit_code == 0);
    CHECK_THAT(ok.output, Contains("[  PASSED  ] 6 tests."));
    const child::Result bad = child::run(TESTDB_GTEST_ROLLBACK_SUITE,
                                         "--gtest_filter='RollbackEndsTransaction.*'", gtest_env("gtrbc"));
    INFO(bad.output);
    CHECK(bad.exit_code == 1);
    CHECK_THAT(bad.output, Contains("ended the rollback tier's transaction itself") &&
                               Contains("[  FAILED  ] RollbackEndsTransaction.CommitsTheTiersTransaction"));
    CHECK(gtest_tenants_of_run("gtrbc") == 0);
}
#endif  // TESTDB_GTEST_BAD_SUITE

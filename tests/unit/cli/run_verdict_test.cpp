// `testdb run`'s verdict: how the suite's exit, the samples and the suite's
// report become the tool's exit code and problems (run_report.hpp, judge()).
#include <catch2/catch.hpp>

#include <csignal>
#include <string>

#include "commands.hpp"
#include "run_report.hpp"
#include "testdb/report.hpp"

using Catch::Matchers::Contains;
using testdb::cli::judge;
using testdb::cli::RunOutcome;
using testdb::cli::RunVerdict;

namespace {

// A run that passed and kept every rule: 2 test cases, limit 3, peak 2.
RunOutcome clean_run() {
    RunOutcome o;
    o.command = {"./suite"};
    o.connection_limit = 3;
    o.sampled = true;
    o.activity.peak = 2;
    o.report = testdb::RunReport{};
    o.report->tests_total = 2;
    return o;
}

}  // namespace

TEST_CASE("verdict: a clean run exits 0 with no problems", "[cli][verdict]") {
    const RunVerdict v = judge(clean_run());
    CHECK(v.exit_code == testdb::cli::kExitOk);
    CHECK(v.problems.empty());
}

TEST_CASE("verdict: the suite's own failure comes first and keeps its exit code",
          "[cli][verdict]") {
    RunOutcome o = clean_run();
    o.exit_status = 2;
    o.report->leaks = {"a lease"};  // a rule broken as well: still the suite's code
    const RunVerdict v = judge(o);
    CHECK(v.exit_code == 2);
    REQUIRE(v.problems.size() == 2);
    CHECK(v.problems[0] == "the suite failed (exit status 2)");
    CHECK_THAT(v.problems[1], Contains("1 leaks"));
}

TEST_CASE("verdict: a suite killed by a signal exits 128+signal", "[cli][verdict]") {
    RunOutcome o = clean_run();
    o.killed_by = SIGSEGV;
    const RunVerdict v = judge(o);
    CHECK(v.exit_code == 128 + SIGSEGV);
    CHECK(v.problems == std::vector<std::string>{
                            "the suite was killed by SIGSEGV (segmentation fault)"});
}

TEST_CASE("verdict: an interrupted run exits 128+signal even when the suite exited 0",
          "[cli][verdict]") {
    RunOutcome o = clean_run();
    o.interrupted_by = SIGINT;
    const RunVerdict v = judge(o);
    CHECK(v.exit_code == 130);
    CHECK(v.problems == std::vector<std::string>{"interrupted by SIGINT (interrupt)"});
}

TEST_CASE("verdict: a suite that passed but broke a testdb rule exits 3", "[cli][verdict]") {
    RunOutcome o = clean_run();
    SECTION("more server connections than its connection_limit") {
        o.activity.peak = 4;
        const RunVerdict v = judge(o);
        CHECK(v.exit_code == testdb::cli::kExitRunProblem);
        REQUIRE(v.problems.size() == 1);
        CHECK_THAT(v.problems[0], Contains("peak of 4 server connections exceeds "
                                           "connection_limit 3") &&
                                      Contains("testdb lint"));
    }
    SECTION("a peak nobody sampled is no problem") {
        o.activity.peak = 4;
        o.sampled = false;
        CHECK(judge(o).exit_code == testdb::cli::kExitOk);
    }
    SECTION("rows left behind") {
        o.report->leftovers = {{"public.orders", 2}, {"public.items", 3}};
        const RunVerdict v = judge(o);
        CHECK(v.exit_code == 3);
        CHECK(v.problems == std::vector<std::string>{
                                "5 rows of the run's tenants were left behind (see leftovers)"});
        CHECK(testdb::cli::leftover_rows(o) == 5);
    }
    SECTION("leaks") {
        o.report->leaks = {"lease", "transaction"};
        const RunVerdict v = judge(o);
        CHECK(v.exit_code == 3);
        CHECK_THAT(v.problems.at(0), Contains("2 leaks"));
    }
    SECTION("a shard that ran other test cases than its files hold") {
        testdb::cli::ShardPlan plan;
        plan.spec = {1, 2};
        plan.files = {{"a_test", 2, 2, {}}, {"b_test", 3, 3, {}}};
        plan.owner = {0, 1};
        o.shard = plan;
        CHECK(judge(o).exit_code == 0);  // 2 run, shard 1/2 holds a_test's 2
        o.report->tests_total = 5;
        const RunVerdict v = judge(o);
        CHECK(v.exit_code == 3);
        CHECK(v.problems == std::vector<std::string>{
                                "shard 1/2 ran 5 test cases, but its files list 2: the shard "
                                "filter did not select them"});
    }
}

TEST_CASE("verdict: no report is no problem of its own (the suite's exit says it all)",
          "[cli][verdict]") {
    RunOutcome o = clean_run();
    o.report.reset();
    o.report_error = "the suite wrote no report";
    CHECK(judge(o).exit_code == 0);
    CHECK(testdb::cli::leftover_rows(o) == 0);
}

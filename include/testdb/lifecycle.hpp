/// @file lifecycle.hpp
/// @brief testdb's test lifecycle, free of any test framework: an adapter
/// (Catch2 v2, Catch2 v3, GoogleTest or one of your own) translates its
/// framework's events into these calls and turns the findings it gets back
/// into failures of the test case that caused them.
///
/// The order of calls for one run:
///
///     runStarting(all test cases)          // once; throws testdb::Error
///     for each test case:
///         testCaseStarting(test)
///         for each execution of its body   // Catch2: once per leaf section
///             testBodyStarting()
///             findings = testBodyEnded(failed)
///         testCaseEnded(passed)
///     outcome = runEnded(std::cerr)        // once; prints summary, writes report
///
/// Everything else (the pool, tenants, factories, the schema) is reached
/// through getTestDb() and testdb::context() as before.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "testdb/isolation.hpp"
#include "testdb/report.hpp"

namespace testdb {

/// Settings of one suite, registered by the code that
/// testdb_add_integration_suite() generates (or by hand, at file scope).
struct SuiteSettings {
    std::string name;         ///< suite name (for reports)
    std::string schema_file;  ///< SQL applied once per schema hash; "" for none
    std::string isolation;    ///< "tenant", "rollback", "database", "touched"; "" lets the schema choose
};

/// Registers the suite's settings; returns true so it can initialise a static.
/// Call it before the first getTestDb(): the tier decides which database the
/// pool is built against.
bool registerSuite(SuiteSettings settings);
/// The registered settings (TESTDB_SCHEMA overrides schema_file,
/// TESTDB_ISOLATION overrides isolation).
SuiteSettings suiteSettings();
/// The isolation tier of this run: once the run started, the one it chose
/// (from the schema when none was asked for); before, suiteSettings().isolation
/// parsed (tenant when empty).
Isolation suiteIsolation();

/// One test case as its framework knows it.
struct TestCaseInfo {
    std::string name;      ///< the test case's full name ("Suite.Test" in GoogleTest)
    std::string file;      ///< its source file, as the framework reports it (__FILE__)
    int line = 0;          ///< the line it is declared on
    bool commits = false;  ///< opts out of the rollback tier (the [commits] tag)
};

/// Something testdb's checks found at the end of a test case. The adapter
/// fails that test case with `message`, reported at `file`:`line`.
struct Finding {
    /// A leak is the test's misbehaviour; an error is a check testdb could
    /// not carry out. Both fail the test case.
    enum class Kind { Leak, Error };
    Kind kind = Kind::Leak;  ///< leak or check error
    std::string message;     ///< the full message: what, who, the fix
    std::string file;        ///< where to report it (usually the test case)
    int line = 0;            ///< line of `file`
};

/// What the end of the run found.
struct RunOutcome {
    /// Failures no test case could carry: rows left at run end, work done
    /// after a test ended, a check that could not run. The adapter's main()
    /// exits non-zero when there is any.
    std::vector<std::string> failures;
    /// True when failures is not empty.
    bool failed() const { return !failures.empty(); }
};

/// The framework-free lifecycle of one test run. One per process; get it
/// with lifecycle(). Calls come from the framework's thread.
class Lifecycle {
public:
    /// Run start: registers every test file's slug (refusing two files with
    /// one slug), checks that the database is safe to write to, builds the
    /// pool in the suite's tier, applies the schema once and sweeps tenants
    /// of crashed runs. Throws testdb::Error when the run cannot start,
    /// after writing TESTDB_REPORT with the error.
    void runStarting(const std::vector<TestCaseInfo>& tests);
    /// A test case starts (before its first body execution).
    void testCaseStarting(const TestCaseInfo& test);
    /// One execution of the running test case's body starts: a fresh
    /// context, and in the rollback tier a transaction that is rolled back.
    void testBodyStarting();
    /// The execution ended (`failed`: the framework saw a failure in it).
    /// Ends the rollback tier's transaction, checks for held leases, for
    /// connections returned inside a transaction and for rows left behind,
    /// then cleans up (or keeps rows for inspection). Returns what to fail
    /// the test case with; empty when all is well.
    std::vector<Finding> testBodyEnded(bool failed);
    /// The framework reported a failure in the running test case (an
    /// assertion's text); kept for the report's list of failures. Optional:
    /// without it the report lists testdb's own findings only.
    void testFailureMessage(const std::string& message);
    /// The test case ended with the framework's verdict; recorded for the
    /// report.
    void testCaseEnded(bool passed);
    /// Run end: checks rows left by the run, shuts the pool and the server
    /// down, prints the summary and per-file lines to `out`, writes
    /// TESTDB_REPORT (JSON) and TESTDB_REPORT_HTML (the HTML report). Safe
    /// to call once.
    RunOutcome runEnded(std::ostream& out);

    /// True between runStarting() and runEnded().
    bool active() const;
    /// True when the run has failures no test case carries (see
    /// RunOutcome): the adapter's main() exits non-zero for them. Framework
    /// runners compute their exit code from test results alone, after the
    /// last event, so only main() can add these.
    bool runFailed() const;
    /// The run's report (complete after runEnded()).
    const RunReport& report() const;
};

/// The process-wide lifecycle.
Lifecycle& lifecycle();

}  // namespace testdb

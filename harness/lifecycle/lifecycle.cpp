// The framework-free test lifecycle: everything an adapter would otherwise
// have to repeat (slugs, safety, tier, schema, sweeps, leak checks, cleanup,
// summary, shutdown). Adapters only translate their framework's events into
// these calls and report the findings as failures of the test case.
#include "testdb/lifecycle.hpp"

#include <atomic>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>

#include "harness/lifecycle/rollback_scope.hpp"
#include "harness/lifecycle/run_recorder.hpp"
#include "harness/lifecycle/test_phase.hpp"
#include "harness/lifecycle/tier_choice.hpp"
#include "harness/lifecycle/touched_tables.hpp"
#include "harness/report_html/html_report.hpp"
#include "harness/schema/suite_schema.hpp"
#include "harness/tenancy/leftovers.hpp"
#include "testdb/config.hpp"
#include "testdb/context.hpp"
#include "testdb/errors.hpp"
#include "testdb/safety.hpp"
#include "testdb/schema.hpp"
#include "testdb/test_db.hpp"

namespace testdb {
namespace {

std::string rows_text(const std::vector<std::pair<std::string, long long>>& rows) {
    std::string text;
    for (const auto& [table, count] : rows) {
        text += (text.empty() ? "" : ", ") + table + " " + std::to_string(count);
    }
    return text;
}

// The running test case's name, for lease labels and leak messages; read by
// the pool from any thread.
std::mutex g_name_mutex;
std::string g_test_name;

std::string current_test_name() {
    std::lock_guard<std::mutex> lock(g_name_mutex);
    return g_test_name;
}

// The state of the one run of this process.
struct RunState {
    std::atomic<bool> active{false};
    Isolation isolation = Isolation::Tenant;
    bool tenant_table = true;
    bool touched = false;  // test cases end with the touched tier's restore
    TestCaseInfo test;
    std::chrono::steady_clock::time_point test_started;
    std::optional<detail::RollbackScope> rollback;
    std::uint64_t rolled_back_before = 0;
    std::set<std::string> reported_leases;
    std::string failure_messages;  // of the running test case, for the report
    bool shutdown_reported = false;
};

RunState& state() {
    static RunState instance;
    return instance;
}

// Collects the findings of one test body and records the leaks in the report.
class Findings {
public:
    explicit Findings(const TestCaseInfo& test) : test_(test) {}

    void leak(std::string message) { add(Finding::Kind::Leak, std::move(message), test_.file, test_.line); }
    void error(std::string message, const std::string& file, int line) {
        add(Finding::Kind::Error, std::move(message), file, line);
    }
    std::vector<Finding> take() { return std::move(found_); }

private:
    void add(Finding::Kind kind, std::string message, const std::string& file, int line) {
        if (kind == Finding::Kind::Leak) {
            detail::recorder().addLeak(message);
        }
        lifecycle().testFailureMessage(message);
        found_.push_back({kind, std::move(message), file, line});
    }

    const TestCaseInfo& test_;
    std::vector<Finding> found_;
};

// Rollback tier: undo everything the test case did. Its tenants' rows are
// gone with the transaction, so the cleanup has nothing to delete.
void end_rollback_scope(RunState& run, Findings& findings) {
    if (!run.rollback) {
        return;
    }
    bool rolled_back = false;
    try {
        rolled_back = run.rollback->end();
    } catch (const std::exception& e) {
        findings.leak(std::string("testdb rollback failed: ") + e.what());
    }
    run.rollback.reset();
    TestContext& ctx = context();
    if (rolled_back) {
        ctx.tenants.tenantA.forget();
        ctx.tenants.tenantB.forget();
    } else {
        findings.leak("IsolationError: test \"" + run.test.name +
                      "\" ended the rollback tier's transaction itself (a COMMIT or ROLLBACK on "
                      "its connection); its committed rows are removed by the tenant cleanup.\n"
                      "Fix: use withTransaction() (a SAVEPOINT in this tier), or tag the test "
                      "case [commits].");
    }
}

// Touched tier: put back every table the test case wrote. A restore that
// fails leaves the log as it was, so the next test case's restore retries.
void restore_touched(RunState& run, Findings& findings) {
    try {
        detail::restoreTouchedTables(getTestDb().pool());
    } catch (const std::exception& e) {
        findings.error("Error: testdb could not restore the tables test \"" + run.test.name +
                           "\" wrote (touched tier): " + e.what() + detail::kCheckFailedFix,
                       run.test.file, run.test.line);
    }
    TestContext& ctx = context();
    ctx.tenants.tenantA.forget();  // their rows went with the restore
    ctx.tenants.tenantB.forget();
}

// Leases still held and connections given back inside a transaction.
void check_leases(RunState& run, Pool& pool, Findings& findings) {
    const auto now = std::chrono::steady_clock::now();
    for (const LeaseInfo& held : pool.holders()) {
        // A lease kept across tests is reported once, against the test that
        // was running when it was first seen, not every innocent test after.
        const std::string key = held.label + "@" + held.file + ":" + std::to_string(held.line) +
                                "#" + std::to_string(held.since.time_since_epoch().count());
        if (!run.reported_leases.insert(key).second) {
            continue;
        }
        // The holder on a line of its own, like PoolTimeout's, so the
        // console keeps its file:line in one piece.
        findings.leak("LeakError: test \"" + run.test.name + "\" ended while still holding a "
                      "lease:\n  held by " + held.describe(now) +
                      "\nFix: let the Lease go out of scope (or release() it) before the test "
                      "ends; withTransaction() does it for you.");
    }
    const auto rolled_back = pool.stats().rolled_back - run.rolled_back_before;
    if (rolled_back > 0) {
        findings.leak("LeakError: test \"" + run.test.name + "\" gave back " +
                      std::to_string(rolled_back) +
                      " connection(s) inside an open transaction; testdb rolled them back.\n"
                      "Fix: commit or abort before the Lease ends.");
    }
}

// Rows left on purpose are a leak; then clean up, or keep for inspection.
void check_rows_and_clean(RunState& run, bool failed, std::ostream& out, Findings& findings) {
    TestContext& ctx = context();
    try {
        if (ctx.cleanupSkipped()) {
            const auto rows = ctx.tenants.remainingRows();
            if (!rows.empty()) {
                findings.leak("LeakError: test \"" + run.test.name + "\" left rows of tenants " +
                              ctx.tenants.tenantA.slug() + "/" + ctx.tenants.tenantB.slug() +
                              ": " + rows_text(rows) +
                              "\nFix: let testdb clean up (drop skipCleanup()).");
            }
        }
        if ((failed || ctx.cleanupSkipped()) && setting("TESTDB_KEEP_FAILED") == "1") {
            out << detail::keepRowsForInspection(getTestDb(), ctx, run.test.name) << std::flush;
        } else {
            ctx.tenants.cleanupTenants();
        }
    } catch (const LeakError& e) {
        findings.leak(e.what());
    } catch (const std::exception& e) {
        findings.error("Error: testdb could not check or clean up after test \"" + run.test.name +
                           "\" (an error of the check itself, not a leak): " + e.what() +
                           detail::kCheckFailedFix,
                       run.test.file, run.test.line);
    }
}

void print_summary(const RunReport& report, std::ostream& out) {
    out << report.summaryLine() << std::endl;
    for (const FileRecord& file : report.files) {
        std::ostringstream line;  // own stream: never touch the shared stream's flags
        line << std::fixed << std::setprecision(2) << "  " << file.slug << ": " << file.tests
             << " tests, " << file.failed << " failed, " << file.seconds << " s (" << file.file
             << ")\n";
        out << line.str();
    }
}

}  // namespace

void Lifecycle::runStarting(const std::vector<TestCaseInfo>& tests) try {
    RunState& run = state();
    detail::recorder().start();
    std::vector<std::string> files;
    files.reserve(tests.size());
    for (const TestCaseInfo& test : tests) {
        files.push_back(test.file);
    }
    contexts::checkUniqueSlugs(files);
    const SuiteSettings suite = suiteSettings();
    detail::claimRunTier();  // getTestDb() builds its pool for this tier, once
    TestDb& db = getTestDb();
    detail::requireTierOf(db, suiteIsolation());
    // Before the schema touches the database: a wrong database (no "test"
    // in its name, production environment) gets nothing at all.
    requireSafeToDelete(db.config(), "delete test data (or apply the suite's schema)");
    db.pool().setLabelProvider(&current_test_name);
    db.pool().setAcquireCheck([](const std::string& label, SourceLocation where) {
        detail::requireRunningTest("\"" + label + "\" asked for a connection", where);
    });
    contexts::bindPool(db.pool());
    if (detail::has_schema(suite)) {
        detail::apply_suite_schema(db.pool(), suite);
    }
    const detail::RunTier tier = detail::chooseRunTier(db.pool(), tests);
    run.isolation = tier.isolation;
    run.tenant_table = tier.tenant_table;
    run.touched = tier.touched;
    if (!tier.notice.empty()) {
        std::cerr << tier.notice << std::endl;
    }
    std::vector<std::string> slugs;
    slugs.reserve(files.size());
    for (const std::string& file : files) {
        slugs.push_back(contexts::forFile(file).fileSlug());
    }
    detail::recorder().setStaleSwept(sweepStaleTenants(db.pool(), slugs));
    run.active = true;
} catch (const std::exception& e) {
    writeStartupFailureReport(e);
    throw;
}

void Lifecycle::testCaseStarting(const TestCaseInfo& test) {
    RunState& run = state();
    {
        std::lock_guard<std::mutex> lock(g_name_mutex);
        g_test_name = test.name;
    }
    run.test = test;
    run.failure_messages.clear();
    run.test_started = std::chrono::steady_clock::now();
}

void Lifecycle::testBodyStarting() {
    RunState& run = state();
    TestContext& ctx = contexts::forFile(run.test.file);
    ctx.beginTestCase();
    contexts::setCurrent(&ctx);
    detail::testCaseStarted(run.test.name);
    Pool& pool = getTestDb().pool();
    run.rolled_back_before = pool.stats().rolled_back;
    if (run.isolation == Isolation::Rollback && !run.test.commits) {
        run.rollback.emplace(pool, run.test.name);
    }
}

std::vector<Finding> Lifecycle::testBodyEnded(bool failed) {
    RunState& run = state();
    Findings findings(run.test);
    // From here on only this thread may use the database: a lease or tenant
    // asked for by the test's threads during or after the checks below would
    // escape them.
    detail::testCaseEnded();
    end_rollback_scope(run, findings);
    Pool& pool = getTestDb().pool();
    if (pool.isShutDown()) {
        // Nothing can be checked or cleaned any more. Flag the test that did
        // it, once, at its own call.
        if (!run.shutdown_reported) {
            run.shutdown_reported = true;
            const SourceLocation at = pool.shutDownAt();
            findings.error("Error: test \"" + run.test.name + "\" shut testdb's pool down "
                           "(shutdown() at " + at.toString() + "); testdb can no longer check "
                           "or clean up after it or any later test.\nFix: never call shutdown() "
                           "in a test; testdb's adapter calls it when the run ends.",
                           at.file, at.line);
        }
    } else {
        check_leases(run, pool, findings);
        if (run.touched) {
            restore_touched(run, findings);
        } else {
            check_rows_and_clean(run, failed, std::cerr, findings);
        }
    }
    contexts::setCurrent(nullptr);
    return findings.take();
}

void Lifecycle::testFailureMessage(const std::string& message) {
    std::string& messages = state().failure_messages;
    // Bounded: a loop of failing assertions must not fill the report.
    constexpr std::size_t kMaxChars = 4000;
    // A finding reaches here twice: from testdb's checks and back from the
    // framework the adapter failed the test case with.
    if (messages.size() < kMaxChars && messages.find(message) == std::string::npos) {
        messages += (messages.empty() ? "" : "\n") + message.substr(0, kMaxChars);
    }
}

void Lifecycle::testCaseEnded(bool passed) {
    RunState& run = state();
    if (!passed) {
        detail::recorder().testFailed(
            {run.test.name, run.test.file, run.test.line,
             run.failure_messages.empty() ? "failed (the test framework's output has the details)"
                                          : run.failure_messages});
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - run.test_started).count();
    detail::recorder().testEnded(run.test.name, run.test.file,
                                 contexts::forFile(run.test.file).fileSlug(), passed, seconds);
}

RunOutcome Lifecycle::runEnded(std::ostream& out) {
    RunState& run = state();
    TestDb& db = getTestDb();
    // Without a tenant table there are no tenant rows to look for.
    const std::vector<LeftoverRecord> leftovers =
        run.tenant_table ? detail::checkRunLeftovers(db) : std::vector<LeftoverRecord>{};
    if (run.touched && !db.pool().isShutDown()) {
        detail::removeTouchedTables(db.pool());
    }
    const ShutdownReport shutdown = db.shutdown();
    const auto now = std::chrono::steady_clock::now();
    for (const LeaseInfo& held : shutdown.outstanding) {
        detail::recorder().addLeak("lease still held at shutdown: " + held.describe(now));
    }
    detail::recorder().setFacts(
        RunFacts{std::string(isolationName(run.isolation)),
                 std::chrono::duration<double>(db.config().pool_timeout).count(), 0,
                 db.config().maskedUrl(), setting("TESTDB_SHARD").value_or("")},
        db.pool().leaseTimeline());
    RunReport& report = detail::recorder().finish(shutdown.stats, db.config().connection_limit,
                                                  db.pool().applicationName(), leftovers);
    print_summary(report, out);
    RunOutcome outcome;
    outcome.failures = detail::runFailures();
    for (const std::string& failure : outcome.failures) {
        out << "testdb: the run fails: " << failure << "\n";
    }
    out << std::flush;
    if (auto path = setting("TESTDB_REPORT")) {
        report.write(*path);
    }
    if (auto path = setting("TESTDB_REPORT_HTML")) {
        detail::writeHtmlReport(*path, report, {});
    }
    run.active = false;
    return outcome;
}

bool Lifecycle::active() const { return state().active.load(); }

bool Lifecycle::runFailed() const { return !detail::runFailures().empty(); }

const RunReport& Lifecycle::report() const { return detail::recorder().report(); }

Lifecycle& lifecycle() {
    static Lifecycle instance;
    return instance;
}

}  // namespace testdb

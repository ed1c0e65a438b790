// testdb's Catch2 v2 listener. This translation unit is compiled into the
// OBJECT library testdb::catch2, so every suite that links it gets the
// object file itself: a listener in a static library would be dropped by the
// linker because nothing references it.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include "harness/adapters/catch2/run_recorder.hpp"
#include "harness/tenancy/leftovers.hpp"
#include "harness/lifecycle/rollback_scope.hpp"
#include "harness/lifecycle/test_phase.hpp"
#include "testdb/catch2.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"
#include "testdb/safety.hpp"
#include "testdb/schema.hpp"
#include "testdb/test_db.hpp"

namespace testdb::catch2 {
namespace {

std::atomic<bool> g_active{false};

// The running test case's name, for lease labels and leak messages.
std::mutex g_name_mutex;
std::string g_test_name;

std::string current_test_name() {
    std::lock_guard<std::mutex> lock(g_name_mutex);
    return g_test_name;
}

// testdb's own lines (summary, per-file lines, notices) go to stderr:
// stdout belongs to the reporter, whose XML, JUnit or TAP a CI parses.
std::ostream& out() { return std::cerr; }

enum class Finding { Leak, Error };

// Reports a failure on the running test case through Catch2's own result
// mechanism, so it counts like a failed assertion of that test. Only leaks
// count as leaks in the report; an error of testdb's own checks is not one.
void fail_test_case(const Catch::SourceLineInfo& where, const std::string& message,
                    Finding finding = Finding::Leak) {
    Catch::AssertionHandler handler("testdb", where, Catch::StringRef(),
                                    Catch::ResultDisposition::ContinueOnFailure);
    handler.handleMessage(Catch::ResultWas::ExplicitFailure, message);
    handler.complete();
    if (finding == Finding::Leak) {
        detail::recorder().addLeak(message);
    }
}

std::string rows_text(const std::vector<std::pair<std::string, long long>>& rows) {
    std::string text;
    for (const auto& [table, count] : rows) {
        text += (text.empty() ? "" : ", ") + table + " " + std::to_string(count);
    }
    return text;
}

class TestdbListener : public Catch::TestEventListenerBase {
public:
    using TestEventListenerBase::TestEventListenerBase;

    // A function-try-block: a run that fails at start still writes its
    // TESTDB_REPORT, with the error, before Catch2 prints it.
    void testRunStarting(const Catch::TestRunInfo& info) override try {
        detail::recorder().start();
        std::vector<std::string> files;
        for (const Catch::TestCase& test : Catch::getAllTestCasesSorted(*m_config)) {
            files.push_back(test.getTestCaseInfo().lineInfo.file);
        }
        contexts::checkUniqueSlugs(files);  // throws: Catch prints it and fails the run
        TestDb& db = getTestDb();
        const SuiteSettings suite = suiteSettings();
        isolation_ = suiteIsolation();
        // Before the schema touches the database: a wrong database (no
        // "test" in its name, production environment) gets nothing at all.
        require_safe_to_delete(db.config(), "delete test data (or apply the suite's schema)");
        if (isolation_ == Isolation::Database) {
            if (suite.schema_file.empty()) {
                throw ConfigError("ConfigError: the database isolation tier clones a template "
                                  "built from the suite's schema, but suite " + suite.name +
                                  " has none.\nFix: give testdb_add_integration_suite a SCHEMA "
                                  "file (or set TESTDB_SCHEMA).");
            }
            db.useClonedDatabase(suite.schema_file);
        }
        db.pool().set_label_provider(&current_test_name);
        db.pool().set_acquire_check([](const std::string& label, SourceLocation where) {
            testdb::detail::requireRunningTest("\"" + label + "\" asked for a connection", where);
        });
        if (!suite.schema_file.empty()) {
            applySchemaOnce(suite.schema_file);
        }
        std::vector<std::string> slugs;
        slugs.reserve(files.size());
        for (const std::string& file : files) {
            slugs.push_back(contexts::forFile(file).fileSlug());
        }
        detail::recorder().setStaleSwept(sweepStaleTenants(slugs));
        g_active = true;
        TestEventListenerBase::testRunStarting(info);
    } catch (const std::exception& e) {
        writeStartupFailureReport(e);
        throw;
    }

    void testCaseStarting(const Catch::TestCaseInfo& info) override {
        {
            std::lock_guard<std::mutex> lock(g_name_mutex);
            g_test_name = info.name;
        }
        test_started_ = std::chrono::steady_clock::now();
        TestEventListenerBase::testCaseStarting(info);
    }

    void sectionStarting(const Catch::SectionInfo& info) override {
        if (depth_++ == 0) {
            // Each run of a test case (one per leaf section) starts clean.
            TestContext& ctx = contexts::forFile(currentTestCaseInfo->lineInfo.file);
            ctx.beginTestCase();
            contexts::setCurrent(&ctx);
            testdb::detail::testCaseStarted(currentTestCaseInfo->name);
            rolled_back_before_ = getTestDb().pool().stats().rolled_back;
            if (isolation_ == Isolation::Rollback && !hasCommitsTag()) {
                rollback_.emplace(getTestDb().pool(), currentTestCaseInfo->name);
            }
        }
        TestEventListenerBase::sectionStarting(info);
    }

    // The outermost section ends while the test case is still the active
    // one: failures raised here count as that test case's own.
    void sectionEnded(const Catch::SectionStats& stats) override {
        if (--depth_ == 0) {
            // From here on only this thread may use the database: a lease
            // or tenant asked for by the test's threads during or after the
            // checks below would escape them.
            testdb::detail::testCaseEnded();
            endRollbackScope();
            endOfTestCaseChecks(stats.assertions.failed > 0);
            contexts::setCurrent(nullptr);
        }
        TestEventListenerBase::sectionEnded(stats);
    }

    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        const auto& info = stats.testInfo;
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - test_started_).count();
        const bool passed = stats.totals.assertions.failed == 0 && stats.totals.testCases.failed == 0;
        detail::recorder().testEnded(info.name, info.lineInfo.file,
                                     contexts::forFile(info.lineInfo.file).fileSlug(), passed,
                                     seconds);
        TestEventListenerBase::testCaseEnded(stats);
    }

    void testRunEnded(const Catch::TestRunStats& stats) override {
        TestDb& db = getTestDb();
        const std::vector<LeftoverRecord> leftovers = testdb::detail::checkRunLeftovers(db);
        const ShutdownReport shutdown = db.shutdown();
        const auto now = std::chrono::steady_clock::now();
        for (const LeaseInfo& held : shutdown.outstanding) {
            detail::recorder().addLeak("lease still held at shutdown: " + held.describe(now));
        }
        RunReport& report = detail::recorder().finish(shutdown.stats, db.config().connection_limit,
                                                      db.pool().application_name(), leftovers);
        out() << report.summary_line() << std::endl;
        for (const FileRecord& file : report.files) {
            std::ostringstream line;  // own stream: never touch the shared stream's flags
            line << std::fixed << std::setprecision(2) << "  " << file.slug << ": " << file.tests
                 << " tests, " << file.failed << " failed, " << file.seconds << " s ("
                 << file.file << ")\n";
            out() << line.str();
        }
        for (const std::string& failure : testdb::detail::runFailures()) {
            out() << "testdb: the run fails: " << failure << "\n";
        }
        out() << std::flush;
        if (auto path = setting("TESTDB_REPORT")) {
            report.write(*path);
        }
        g_active = false;
        TestEventListenerBase::testRunEnded(stats);
    }

private:
    bool hasCommitsTag() const {
        const auto& tags = currentTestCaseInfo->lcaseTags;
        return std::find(tags.begin(), tags.end(), std::string(kCommitsTag)) != tags.end();
    }

    // Rollback tier: undo everything the test case did. Its tenants' rows are
    // gone with the transaction, so the cleanup has nothing to delete.
    void endRollbackScope() {
        if (!rollback_) {
            return;
        }
        TestContext& ctx = context();
        bool rolled_back = false;
        try {
            rolled_back = rollback_->end();
        } catch (const std::exception& e) {
            fail_test_case(currentTestCaseInfo->lineInfo,
                           std::string("testdb rollback failed: ") + e.what());
        }
        rollback_.reset();
        if (rolled_back) {
            ctx.tenants.tenantA.forget();
            ctx.tenants.tenantB.forget();
        } else {
            fail_test_case(currentTestCaseInfo->lineInfo,
                           "IsolationError: test \"" + currentTestCaseInfo->name +
                               "\" ended the rollback tier's transaction itself (a COMMIT "
                               "or ROLLBACK on its connection); its committed rows are "
                               "removed by the tenant cleanup.\nFix: use withTransaction() "
                               "(a SAVEPOINT in this tier), or tag the test case [commits].");
        }
    }

    void endOfTestCaseChecks(bool failed) {
        const Catch::SourceLineInfo& where = currentTestCaseInfo->lineInfo;
        const std::string name = currentTestCaseInfo->name;
        Pool& pool = getTestDb().pool();
        if (pool.is_shut_down()) {
            // Nothing can be checked or cleaned any more. Flag the test that
            // did it, once, at its own call.
            if (!shutdown_reported_) {
                shutdown_reported_ = true;
                const SourceLocation at = pool.shut_down_at();
                fail_test_case(Catch::SourceLineInfo(at.file, static_cast<std::size_t>(at.line)),
                               "Error: test \"" + name + "\" shut testdb's pool down (shutdown() "
                               "at " + at.to_string() + "); testdb can no longer check or clean "
                               "up after it or any later test.\nFix: never call shutdown() in "
                               "a test; testdb's listener calls it when the run ends.",
                               Finding::Error);
            }
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        for (const LeaseInfo& held : pool.holders()) {
            // A lease kept across tests is reported once, against the test
            // that was running when it was first seen, not against every
            // innocent test after it.
            const std::string key = held.label + "@" + held.file + ":" + std::to_string(held.line) +
                                    "#" + std::to_string(held.since.time_since_epoch().count());
            if (!reported_leases_.insert(key).second) {
                continue;
            }
            // The holder on a line of its own, like PoolTimeout's, so the
            // console keeps its file:line in one piece.
            fail_test_case(where, "LeakError: test \"" + name + "\" ended while still holding a "
                                  "lease:\n  held by " + held.describe(now) +
                                  "\nFix: let the Lease go out of scope (or release() it) "
                                  "before the test ends; withTransaction() does it for you.");
        }
        const auto rolled_back = pool.stats().rolled_back - rolled_back_before_;
        if (rolled_back > 0) {
            fail_test_case(where, "LeakError: test \"" + name + "\" gave back " +
                                  std::to_string(rolled_back) +
                                  " connection(s) inside an open transaction; testdb rolled "
                                  "them back.\nFix: commit or abort before the Lease ends.");
        }
        TestContext& ctx = context();
        try {
            if (ctx.cleanupSkipped()) {
                const auto rows = ctx.tenants.remainingRows();
                if (!rows.empty()) {
                    fail_test_case(where, "LeakError: test \"" + name + "\" left rows of tenants " +
                                          ctx.tenants.tenantA.slug() + "/" +
                                          ctx.tenants.tenantB.slug() + ": " + rows_text(rows) +
                                          "\nFix: let testdb clean up (drop skipCleanup()).");
                }
            }
            if ((failed || ctx.cleanupSkipped()) && setting("TESTDB_KEEP_FAILED") == "1") {
                out() << testdb::detail::keepRowsForInspection(ctx, name) << std::flush;
            } else {
                ctx.tenants.cleanupTenants();
            }
        } catch (const LeakError& e) {
            fail_test_case(where, e.what());
        } catch (const std::exception& e) {
            fail_test_case(where,
                           "Error: testdb could not check or clean up after test \"" + name +
                               "\" (an error of the check itself, not a leak): " + e.what() +
                               testdb::detail::kCheckFailedFix,
                           Finding::Error);
        }
    }

    std::set<std::string> reported_leases_;
    bool shutdown_reported_ = false;
    Isolation isolation_ = Isolation::Tenant;
    std::optional<testdb::detail::RollbackScope> rollback_;

    int depth_ = 0;
    std::uint64_t rolled_back_before_ = 0;
    std::chrono::steady_clock::time_point test_started_;
};

CATCH_REGISTER_LISTENER(TestdbListener)

}  // namespace

bool listenerActive() { return g_active.load(); }

}  // namespace testdb::catch2

// testdb's Catch2 v3 listener: translates Catch2's events into calls of
// testdb's lifecycle (testdb/lifecycle.hpp) and turns the findings it gets
// back into failures of the test case that caused them. No lifecycle logic
// lives here. Compiled into the OBJECT library testdb::catch2v3, so every
// suite that links it gets this object file (and the registration below):
// in a static library the linker would drop it, as nothing references it.
#include <catch2/catch_assertion_result.hpp>
#include <catch2/catch_test_case_info.hpp>
#include <catch2/internal/catch_assertion_handler.hpp>
#include <catch2/internal/catch_test_case_registry_impl.hpp>
#include <catch2/reporters/catch_reporter_event_listener.hpp>
#include <catch2/reporters/catch_reporter_registrars.hpp>

#include <algorithm>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "../catch_failure_text.hpp"
#include "testdb/isolation.hpp"
#include "testdb/lifecycle.hpp"

namespace testdb::catch2v3 {
namespace {

TestCaseInfo describe(const Catch::TestCaseInfo& info) {
    const Catch::Tag commits(Catch::StringRef(kCommitsTag.data(), kCommitsTag.size()));
    TestCaseInfo test;
    test.name = info.name;
    test.file = info.lineInfo.file;
    test.line = static_cast<int>(info.lineInfo.line);
    test.commits = std::find(info.tags.begin(), info.tags.end(), commits) != info.tags.end();
    return test;
}

class TestdbListener : public Catch::EventListenerBase {
public:
    using EventListenerBase::EventListenerBase;

    // Every registered test case, run or not: the lifecycle registers each
    // file's slug and refuses two files with one. An exception here stops
    // the run; Catch2 prints it and exits non-zero.
    void testRunStarting(const Catch::TestRunInfo& info) override {
        std::vector<TestCaseInfo> tests;
        for (const Catch::TestCaseHandle& handle : Catch::getAllTestCasesSorted(*m_config)) {
            tests.push_back(describe(handle.getTestCaseInfo()));
        }
        lifecycle().runStarting(tests);
        EventListenerBase::testRunStarting(info);
    }

    void testCaseStarting(const Catch::TestCaseInfo& info) override {
        lifecycle().testCaseStarting(describe(info));
        EventListenerBase::testCaseStarting(info);
    }

    // Depth 0 is the test case's own section: Catch2 v3 runs the body once
    // per leaf section, each run inside it.
    void sectionStarting(const Catch::SectionInfo& info) override {
        if (depth_++ == 0) {
            lifecycle().testBodyStarting();
        }
        EventListenerBase::sectionStarting(info);
    }

    // The outermost section ends while its test case is still the running
    // one: a failure raised here counts as that test case's own (Catch2
    // adds it to the test case's totals and prints it like a failed CHECK).
    void sectionEnded(const Catch::SectionStats& stats) override {
        if (--depth_ == 0) {
            for (const Finding& finding : lifecycle().testBodyEnded(stats.assertions.failed > 0)) {
                fail(finding);
            }
        }
        EventListenerBase::sectionEnded(stats);
    }

    // A failed assertion's text, for the report's list of failures.
    void assertionEnded(const Catch::AssertionStats& stats) override {
        if (!stats.assertionResult.succeeded()) {
            lifecycle().testFailureMessage(adapters::catchFailureText(stats.assertionResult));
        }
        EventListenerBase::assertionEnded(stats);
    }

    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        lifecycle().testCaseEnded(stats.totals.assertions.failed == 0 &&
                                  stats.totals.testCases.failed == 0);
        EventListenerBase::testCaseEnded(stats);
    }

    // testdb's lines go to stderr: stdout is the reporter's (JUnit, XML...).
    void testRunEnded(const Catch::TestRunStats& stats) override {
        lifecycle().runEnded(std::cerr);  // main() asks lifecycle().runFailed()
        EventListenerBase::testRunEnded(stats);
    }

private:
    // A failed assertion of the running test case, at the finding's file and
    // line, through Catch2's own result path (ContinueOnFailure: the checks
    // of the other findings still run).
    void fail(const Finding& finding) {
        // Catch2 keeps a pointer to the file name (cumulative reporters such
        // as JUnit print it at run end), so it must outlive the run.
        const std::string& file = *files_.insert(finding.file).first;
        const Catch::SourceLineInfo where(file.c_str(), static_cast<std::size_t>(finding.line));
        Catch::AssertionHandler handler("testdb", where, Catch::StringRef(),
                                        Catch::ResultDisposition::ContinueOnFailure);
        handler.handleMessage(Catch::ResultWas::ExplicitFailure, std::string(finding.message));
        handler.complete();
    }

    int depth_ = 0;
    std::set<std::string> files_;
};

CATCH_REGISTER_LISTENER(TestdbListener)

}  // namespace
}  // namespace testdb::catch2v3

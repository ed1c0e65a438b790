// testdb's GoogleTest listener: translates GoogleTest's events into the
// framework-free lifecycle (testdb/lifecycle.hpp) and turns its findings
// into failures of the test that caused them.
//
// Why a failure raised in OnTestEnd still belongs to the test: GoogleTest
// calls OnTestEnd while the test is still its "current test" (it clears that
// only after every listener has run), so ADD_FAILURE_AT lands in that test's
// result. And it forwards OnTestEnd to the listeners in reverse order, so
// this listener (appended after the default printer) runs before the
// printer decides between "[       OK ]" and "[  FAILED  ]".
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <string>
#include <vector>

#include "testdb/gtest.hpp"
#include "testdb/lifecycle.hpp"

namespace testdb::gtest {
namespace {

std::atomic<bool> g_active{false};
std::string g_start_error;  // why runStarting() refused the run; "" when it did not
bool g_start_reported = false;  // the gate failed GoogleTest's global set-up with it
RunOutcome g_outcome;

bool endsWith(const std::string& text, std::string_view suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TestCaseInfo infoOf(const ::testing::TestInfo& test) {
    const std::string suite = test.test_suite_name();
    return {suite + "." + test.name(), test.file(), test.line(), endsWith(suite, kCommitsSuffix)};
}

// A run that cannot start must fail visibly and run no test. A fatal failure
// in a global environment's SetUp() does both in GoogleTest: the message is
// printed, every test is skipped, and RUN_ALL_TESTS() returns 1.
class StartGate : public ::testing::Environment {
public:
    void SetUp() override {
        if (!g_start_error.empty()) {
            g_start_reported = true;
            GTEST_FAIL() << g_start_error;
        }
    }
};

class TestdbListener : public ::testing::EmptyTestEventListener {
public:
    void OnTestProgramStart(const ::testing::UnitTest& unit) override {
        // Every test of the binary, filtered or not: two files claiming one
        // slug are refused whichever of them runs.
        std::vector<TestCaseInfo> tests;
        for (int s = 0; s < unit.total_test_suite_count(); ++s) {
            const ::testing::TestSuite& suite = *unit.GetTestSuite(s);
            for (int t = 0; t < suite.total_test_count(); ++t) {
                tests.push_back(infoOf(*suite.GetTestInfo(t)));
            }
        }
        try {
            lifecycle().runStarting(tests);
            g_active = true;
        } catch (const std::exception& e) {
            g_start_error = std::string("testdb could not start the run: ") + e.what();
        }
    }

    void OnTestStart(const ::testing::TestInfo& test) override {
        if (!g_active) {
            return;  // the run did not start: GoogleTest skips every test
        }
        lifecycle().testCaseStarting(infoOf(test));
        lifecycle().testBodyStarting();
    }

    // A failed assertion's text, for the report's list of failures (the
    // message alone: testdb's own findings come back here and are merged).
    void OnTestPartResult(const ::testing::TestPartResult& result) override {
        if (g_active && result.failed()) {
            // ADD_FAILURE() and FAIL() put "Failed" on a line before the text.
            std::string text = result.message();
            if (text.rfind("Failed\n", 0) == 0) {
                text.erase(0, 7);
            }
            lifecycle().testFailureMessage(text);
        }
    }

    void OnTestEnd(const ::testing::TestInfo& test) override {
        if (!g_active) {
            return;
        }
        try {
            for (const Finding& finding : lifecycle().testBodyEnded(test.result()->Failed())) {
                const bool at_test = finding.file.empty();
                ADD_FAILURE_AT(at_test ? test.file() : finding.file.c_str(),
                               at_test ? test.line() : finding.line)
                    << finding.message;
            }
        } catch (const std::exception& e) {
            ADD_FAILURE_AT(test.file(), test.line())
                << "Error: testdb's end-of-test checks of " << test.test_suite_name() << "."
                << test.name() << " failed: " << e.what();
        }
        lifecycle().testCaseEnded(!test.result()->Failed());
    }

    void OnTestProgramEnd(const ::testing::UnitTest& /*unit*/) override {
        if (g_active.exchange(false)) {
            g_outcome = lifecycle().runEnded(std::cerr);
        } else if (!g_start_error.empty()) {
            // Printed in full by the gate, unless no test matched the filter
            // (GoogleTest then sets no environment up).
            g_outcome.failures.push_back(g_start_error);
            std::cerr << "testdb: the run fails: "
                      << (g_start_reported ? "it could not start (the failure above)" : g_start_error)
                      << std::endl;
        }
    }
};

}  // namespace

void install() {
    static const bool installed = [] {
        ::testing::AddGlobalTestEnvironment(new StartGate);  // GoogleTest owns it
        ::testing::UnitTest::GetInstance()->listeners().Append(new TestdbListener);
        return true;
    }();
    (void)installed;
}

bool listenerActive() { return g_active.load(); }

int exitCode(int run_all_tests_result) {
    return run_all_tests_result != 0 || g_outcome.failed() ? 1 : 0;
}

}  // namespace testdb::gtest

// testdb's Catch2 v2 adapter: translates Catch2's events into the core's
// lifecycle (testdb/lifecycle.hpp) and fails the test case that caused a
// finding through Catch2's own result mechanism. Compiled into the OBJECT
// library testdb::catch2, so every suite that links it gets this object: a
// listener in a static library would be dropped by the linker because
// nothing references it.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <algorithm>
#include <iostream>
#include <set>
#include <string>

#include "../catch_failure_text.hpp"
#include "testdb/catch2.hpp"
#include "testdb/lifecycle.hpp"

namespace testdb::catch2 {
namespace {

TestCaseInfo info_of(const Catch::TestCaseInfo& test) {
    const auto& tags = test.lcaseTags;
    return {test.name, test.lineInfo.file, static_cast<int>(test.lineInfo.line),
            std::find(tags.begin(), tags.end(), std::string(kCommitsTag)) != tags.end()};
}

// Catch2 keeps a SourceLineInfo's file pointer until the reporters finish
// (JUnit and XML write at run end): the names must outlive the finding.
const char* lasting_file_name(const std::string& file) {
    static std::set<std::string> names;  // only the adapter's thread adds
    return names.insert(file).first->c_str();
}

// Counts like a failed assertion of the running test case.
void fail_test_case(const Finding& finding) {
    const Catch::SourceLineInfo where(lasting_file_name(finding.file),
                                      static_cast<std::size_t>(finding.line));
    Catch::AssertionHandler handler("testdb", where, Catch::StringRef(),
                                    Catch::ResultDisposition::ContinueOnFailure);
    handler.handleMessage(Catch::ResultWas::ExplicitFailure, finding.message);
    handler.complete();
}

class TestdbListener : public Catch::TestEventListenerBase {
public:
    using TestEventListenerBase::TestEventListenerBase;

    // A run that cannot start throws here: Catch2 prints it and fails the run.
    void testRunStarting(const Catch::TestRunInfo& info) override {
        std::vector<TestCaseInfo> tests;
        for (const Catch::TestCase& test : Catch::getAllTestCasesSorted(*m_config)) {
            tests.push_back(info_of(test.getTestCaseInfo()));
        }
        lifecycle().runStarting(tests);
        TestEventListenerBase::testRunStarting(info);
    }

    void testCaseStarting(const Catch::TestCaseInfo& info) override {
        lifecycle().testCaseStarting(info_of(info));
        TestEventListenerBase::testCaseStarting(info);
    }

    // Catch2 runs a test case's body once per leaf section: each run starts
    // at the outermost section and is checked when it ends.
    void sectionStarting(const Catch::SectionInfo& info) override {
        if (depth_++ == 0) {
            lifecycle().testBodyStarting();
        }
        TestEventListenerBase::sectionStarting(info);
    }

    // The outermost section ends while the test case is still the active
    // one: failures raised here count as that test case's own.
    void sectionEnded(const Catch::SectionStats& stats) override {
        if (--depth_ == 0) {
            for (const Finding& finding : lifecycle().testBodyEnded(stats.assertions.failed > 0)) {
                fail_test_case(finding);
            }
        }
        TestEventListenerBase::sectionEnded(stats);
    }

    // A failed assertion's text, for the report's list of failures.
    bool assertionEnded(const Catch::AssertionStats& stats) override {
        if (!stats.assertionResult.succeeded()) {
            lifecycle().testFailureMessage(adapters::catchFailureText(stats.assertionResult));
        }
        return TestEventListenerBase::assertionEnded(stats);
    }

    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        lifecycle().testCaseEnded(stats.totals.assertions.failed == 0 &&
                                  stats.totals.testCases.failed == 0);
        TestEventListenerBase::testCaseEnded(stats);
    }

    // testdb's lines go to stderr: stdout belongs to the reporter, whose
    // XML, JUnit or TAP a CI parses.
    void testRunEnded(const Catch::TestRunStats& stats) override {
        lifecycle().runEnded(std::cerr);
        TestEventListenerBase::testRunEnded(stats);
    }

private:
    int depth_ = 0;
};

CATCH_REGISTER_LISTENER(TestdbListener)

}  // namespace
}  // namespace testdb::catch2

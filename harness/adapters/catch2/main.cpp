// testdb's main() for Catch2 v2 suites: Catch2's own session, then a
// non-zero exit code when the run failed in a way no test case could carry
// (rows left at run end, work after a test ended, a check testdb could not
// carry out). Catch2 computes its exit code from the test cases' results
// alone, after the listener's last event, so only main() can add these.
// The messages went to stderr from the listener; stdout stays the
// reporter's (JUnit, XML, TAP...).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
// Catch2 v2 ships these reporters as headers that the TU with Catch2's
// implementation must include: `-r tap`, `-r sonarqube`, `-r teamcity`,
// `-r automake` then work in every suite.
#include <catch2/catch_reporter_automake.hpp>
#include <catch2/catch_reporter_sonarqube.hpp>
#include <catch2/catch_reporter_tap.hpp>
#include <catch2/catch_reporter_teamcity.hpp>

#include "testdb/lifecycle.hpp"

int main(int argc, char* argv[]) {
    const int result = Catch::Session().run(argc, argv);
    if (result == 0 && testdb::lifecycle().runFailed()) {
        return 1;
    }
    return result;
}

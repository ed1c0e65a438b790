// testdb's main() for Catch2 v3 suites: Catch2's own session, then a
// non-zero exit code when the lifecycle's run end found failures no test
// case could carry (rows left at run end, work after a test ended, a check
// testdb could not carry out). Catch2 computes its exit code from the test
// cases' results alone, so only main() can add these. The messages went to
// stderr; stdout stays the reporter's (JUnit, XML, TAP...).
#include <catch2/catch_session.hpp>

#include "testdb/lifecycle.hpp"

int main(int argc, char* argv[]) {
    const int result = Catch::Session().run(argc, argv);
    if (result == 0 && testdb::lifecycle().runFailed()) {
        return 1;
    }
    return result;
}

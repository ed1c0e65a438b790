// testdb's main() for GoogleTest suites, in a static library of its own so
// that a suite with its own main() keeps it (and calls
// testdb::gtest::install() itself). GoogleTest computes RUN_ALL_TESTS()'s
// result from the tests alone; failures found at run end that belong to no
// test (rows left behind, work after a test ended) make the exit code
// non-zero here.
#include <gtest/gtest.h>

#include "testdb/gtest.hpp"

int main(int argc, char* argv[]) {
    ::testing::InitGoogleTest(&argc, argv);
    testdb::gtest::install();
    return testdb::gtest::exitCode(RUN_ALL_TESTS());
}

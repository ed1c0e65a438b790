/// @file gtest.hpp
/// @brief testdb's GoogleTest integration. Link `testdb::gtest`: its main()
/// installs the listener, runs RUN_ALL_TESTS() and exits non-zero when the
/// run failed in a way no test could carry (rows left at run end, work after
/// a test ended).
///
/// A suite with a main() of its own links `testdb::gtest` too (its main()
/// sits in a static library, so yours wins) and calls
/// testdb::gtest::install() after InitGoogleTest(), then returns
/// testdb::gtest::exitCode(RUN_ALL_TESTS()).
///
/// Each test gets testdb::context() of its source file (tenants A and B, the
/// factories' slugs); a test that keeps a lease, gives back a connection
/// inside a transaction or leaves rows FAILS in GoogleTest's own output
/// (reported at the test's file:line) and in its exit code.
///
/// GoogleTest has no tags: a test whose test suite name ends in "Commits"
/// (e.g. `TEST_F(BookingRacesCommits, ...)`) opts out of the rollback tier,
/// as the [commits] tag does in Catch2: it commits for real and is cleaned by
/// the tenant cleanup, or, when the schema has no tenant table, by the
/// touched tier's restore of the tables it wrote.
#pragma once

#include <string_view>

namespace testdb::gtest {

/// The suffix of a test suite name that opts its tests out of the rollback tier.
inline constexpr std::string_view kCommitsSuffix = "Commits";

/// Appends testdb's listener to GoogleTest's listeners (once; later calls do
/// nothing). Call after ::testing::InitGoogleTest() and before RUN_ALL_TESTS().
void install();

/// True once the run started (the listener is linked and firing).
bool listenerActive();

/// RUN_ALL_TESTS()'s result, made non-zero when testdb's run end found
/// failures no test carried.
int exitCode(int run_all_tests_result);

}  // namespace testdb::gtest

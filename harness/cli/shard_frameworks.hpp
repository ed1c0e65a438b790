/// @file shard_frameworks.hpp
/// @brief What `--shard` and `--jobs` know of each test framework: how to
/// tell which one a suite uses, how to list its test files, and which
/// arguments make it run only some of them. One file per framework
/// (shard_catch2.cpp for Catch2 v2 and v3, shard_gtest.cpp for GoogleTest);
/// shard.cpp splits and balances without knowing any of them.
#pragma once

#include <string>
#include <vector>

#include "shard.hpp"

namespace testdb::cli {

/// `text` in lower case (file names compare case-blind, as Catch2's tags do).
std::string lower_case(std::string text);

/// Parses a count of up to six digits into `out`; false when `text` is none.
bool whole_number(const std::string& text, int& out);

/// Tells the framework from what `SUITE --help` printed. Throws ConfigError
/// naming `suite` and the fix when it is none of the three.
SuiteFramework detect_framework(const std::string& help_output, const std::string& suite);

/// Runs `command` (stdin /dev/null, stderr passed through) and returns its
/// stdout. `what` says why, for the error. Throws Error naming the suite when
/// it cannot be started, is killed or hangs.
std::string capture_suite_output(const std::vector<std::string>& command, const std::string& what);

/// Lists a Catch2 (v2 or v3) suite's files with `-# --list-tags`.
SuiteListing list_catch2_files(const std::vector<std::string>& command);

/// The arguments that make a Catch2 suite run only shard `plan.spec`'s
/// files: `-# ~[#other]...`. When `command` carries arguments of its own (a
/// test spec may be among them), a second listing checks that the result
/// selects exactly those files; throws ConfigError when it does not.
std::vector<std::string> catch2_shard_args(const ShardPlan& plan,
                                           const std::vector<std::string>& command);

/// Lists a GoogleTest suite's tests by source file (`--gtest_list_tests
/// --gtest_output=json:...`, which names each test's file).
SuiteListing list_gtest_files(const std::vector<std::string>& command);

/// Parses GoogleTest's JSON test list. Throws ConfigError naming `suite`
/// when it is not one.
SuiteListing parse_gtest_listing(const std::string& json_text, const std::string& suite);

/// `--gtest_filter=...` selecting shard `plan.spec`'s tests (a whole test
/// suite as `Suite.*` when the run is unfiltered and it lies in this shard).
/// Given last, it replaces a filter of the suite's own arguments, whose
/// selection the listing already reflects.
std::vector<std::string> gtest_shard_args(const ShardPlan& plan);

}  // namespace testdb::cli

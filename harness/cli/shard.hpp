/// @file shard.hpp
/// @brief `testdb run --shard i/n`: splits a Catch2 (v2 or v3) or
/// GoogleTest suite by test file into n parts, so n CI runners each run one
/// part.
///
/// The files come from the suite itself, without touching the database:
/// `SUITE --help` tells the framework, then Catch2's `SUITE ARGS -#
/// --list-tags` lists the tag `[#<file basename without extension>]` of
/// every selected test case, with counts, and GoogleTest's
/// `--gtest_list_tests` (as JSON) names each test's source file
/// (shard_frameworks.hpp). A file's test cases
/// stay in one process (its tenants belong to that file). Files are assigned
/// greedily, heaviest first (ties by name) to the currently lightest shard
/// (ties to the lowest index), so every runner computes the same split on
/// its own and the union of the n shards runs every test case exactly once.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace testdb::cli {

/// `--shard i/n`: the i-th (1-based) of n parts.
struct ShardSpec {
    int index = 1;  ///< i, 1 <= i <= count
    int count = 1;  ///< n >= 1

    /// "i/n".
    std::string text() const;
};

/// Parses "i/n". Throws ConfigError naming the value and the fix when it is
/// not two whole numbers with 1 <= i <= n.
ShardSpec parse_shard(const std::string& text);

/// The test frameworks whose suites `--shard` and `--jobs` split.
enum class SuiteFramework { Catch2v2, Catch2v3, GoogleTest };

/// "Catch2 v2", "Catch2 v3" or "GoogleTest".
std::string framework_name(SuiteFramework framework);

/// One test file of the suite, as Catch2's `-#` names it.
struct SuiteFile {
    std::string name;     ///< file basename without extension (the `#` tag)
    int tests = 0;        ///< selected test cases in it
    double weight = 0.0;  ///< what balancing counts: test cases or seconds
    /// GoogleTest only: its tests' full names ("Suite.Test"), as listed.
    std::vector<std::string> test_names;
};

/// The files of a suite as its listing printed them.
struct SuiteListing {
    bool filtered = false;         ///< the suite arguments hold a test spec
    std::vector<SuiteFile> files;  ///< one per file, sorted by name
    /// GoogleTest only: every test suite's test count in the listing.
    std::vector<std::pair<std::string, int>> suite_sizes;
};

/// Parses the output of `SUITE -# --list-tags`. Throws ConfigError naming
/// `suite` when it is not a Catch2 tag listing.
SuiteListing parse_tag_listing(const std::string& output, const std::string& suite);

/// Weighs `files` by the per-file times of previous runs' `reports` (paths
/// of `testdb run --report` files or suite TESTDB_REPORT files): each file
/// weighs its seconds per test case there times its test cases now; a file
/// the reports lack weighs the reports' average seconds per test case times
/// its test cases. Returns the note for people ("time from ..."). Throws
/// ConfigError naming a report that cannot be read or times no test case.
std::string weigh_by_time(std::vector<SuiteFile>& files, const std::vector<std::string>& reports);

/// For every file, the index (0-based) of the shard it belongs to: heaviest
/// first (ties by name), each to the currently lightest of `count` shards
/// (ties to the lowest index).
std::vector<int> assign_files(const std::vector<SuiteFile>& files, int count);

/// The split of one suite and the part this process runs.
struct ShardPlan {
    ShardSpec spec;                       ///< which part this is
    SuiteFramework framework = SuiteFramework::Catch2v2;  ///< what the suite uses
    SuiteListing listing;                 ///< the suite's listing (files unweighed)
    std::vector<SuiteFile> files;         ///< every file of the suite, by name
    std::vector<int> owner;               ///< files[k] belongs to shard owner[k] (0-based)
    bool by_time = false;                 ///< weights are seconds, not test cases
    std::string balance_note;             ///< how the weights were found, for people
    std::vector<std::string> suite_args;  ///< appended to the suite's arguments

    /// The files of shard `index` (0-based), by name.
    std::vector<SuiteFile> files_of(int index) const;
    /// The files this process runs.
    std::vector<SuiteFile> mine() const { return files_of(spec.index - 1); }
    /// Test cases of all files.
    int total_tests() const;
    /// "balanced by test count" or "balanced by time (...)".
    std::string balanced_by() const;
};

/// Tells the suite's framework (`SUITE --help`), lists its files, weighs
/// them (by the per-file times in the `balance_from` reports, else by test
/// count), splits them and builds this shard's suite arguments (for Catch2
/// with arguments of the user's own, checked by a second listing). Throws
/// ConfigError naming the suite when it is none of the three frameworks or
/// its arguments cannot be combined with the shard's filter, or naming an
/// unusable balance report; Error when the suite cannot be started or hangs
/// while listing.
ShardPlan plan_shard(const std::vector<std::string>& command, const ShardSpec& spec,
                     const std::vector<std::string>& balance_from);

/// Writes the split of `plan` (framework, listing, weights, owners) to
/// `path`, so the shards of `--jobs` take it instead of each listing the
/// suite again.
void save_plan(const ShardPlan& plan, const std::string& path);

/// The plan `save_plan` wrote, for shard `spec` of `command`: the same split,
/// this shard's suite arguments built anew. Throws ConfigError naming `path`
/// when it cannot be read or was made for another number of shards.
ShardPlan load_plan(const std::string& path, const std::vector<std::string>& command,
                    const ShardSpec& spec);

}  // namespace testdb::cli

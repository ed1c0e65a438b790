/// @file run_jobs.hpp
/// @brief `testdb run --jobs N -- suite`: N shards of one suite at once on
/// one machine, each its own `testdb run --shard i/N` process (hence its own
/// pool and run token), merged into one summary, one report and one exit code.
///
/// The split is the one of `--shard` (shard.hpp), balanced by the per-file
/// times of `--balance-from` reports, else of the previous `--report` file
/// when it exists, else by test count. One server serves every shard: the
/// configured one, or one embedded server started here. Each shard holds a
/// slot of the cross-process budget (process_budget.hpp) for its run and
/// waits for one when the server has none free, so N shards never open more
/// than N x (connection_limit + 1) connections and never more than the
/// server's budget allows.
#pragma once

#include <string>
#include <vector>

#include "commands.hpp"

namespace testdb::cli {

/// What one shard process did, as its `--report` file says.
struct ShardResult {
    int index = 1;             ///< 1-based
    int exit_code = 0;         ///< the shard process's exit code
    std::string log;           ///< everything it printed (stdout and stderr)
    std::string report_error;  ///< why its report could not be read, "" = read
    int tests = 0;             ///< test cases it ran
    int failed = 0;            ///< of which failed
    /// Files with failed test cases: "name (k of n failed)".
    std::vector<std::string> failed_files;
};

/// The run token of shard `index` of the run `token`: `<token>s<index>`,
/// cut so it stays a valid token (16 characters at most). Every shard's
/// connections then carry the run's application_name prefix, which is what
/// the run's sampler counts.
std::string shard_token(const std::string& token, int index);

/// The exit code of N shards: the first failing shard's (by index), else 0.
int merged_exit_code(const std::vector<ShardResult>& shards);

/// Lines naming every failing shard and its failed files, then its output
/// lines prefixed `[shard i/N] ` (where the framework named the failed tests).
std::string failure_text(const std::vector<ShardResult>& shards, int count);

/// Runs `options.command` as `options.jobs` shards at once (see the file
/// comment). Returns the merged exit code, kExitUsage for bad options.
int run_jobs(const RunOptions& options);

}  // namespace testdb::cli

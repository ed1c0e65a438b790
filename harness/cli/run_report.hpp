/// @file run_report.hpp
/// @brief What `testdb run` learned about one suite run, the verdict, and
/// how it is printed and written as JSON.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "activity_sampler.hpp"
#include "shard.hpp"
#include "testdb/report.hpp"

namespace testdb::cli {

/// Everything observed about one run of a suite.
struct RunOutcome {
    std::vector<std::string> command;  ///< the suite and its arguments
    int exit_status = 0;               ///< exit code when the suite exited
    int killed_by = 0;                 ///< signal that ended the suite, 0 = it exited
    int interrupted_by = 0;            ///< SIGINT/SIGTERM testdb run received, 0 = none
    double seconds = 0.0;              ///< wall time of the suite
    std::string run_token;             ///< TESTDB_RUN_TOKEN given to the suite
    std::string application_name;      ///< `<application_name>-<run_token>`
    int connection_limit = 0;          ///< the limit the suite ran with
    std::string server;                ///< masked URL of the server used
    bool embedded = false;             ///< testdb run started the server itself
    ActivitySample activity;           ///< pg_stat_activity samples
    bool sampled = false;              ///< the sampler ran at all
    std::string sampler_error;         ///< why it did not, when it did not
    std::optional<RunReport> report;   ///< what the suite's listener wrote
    std::string report_error;          ///< why there is no report, when there is none
    std::optional<ShardPlan> shard;    ///< the split, when run with --shard
};

/// The judgement on one run.
struct RunVerdict {
    int exit_code = 0;                  ///< what `testdb run` exits with
    std::vector<std::string> problems;  ///< why the run is not clean (empty = clean)
};

/// Rows left over in the suite report (0 without a report).
long long leftover_rows(const RunOutcome& outcome);

/// Exit code and problems: the suite's exit status first; then 3 when it
/// passed but its peak exceeded connection_limit, it left rows or leaks, or
/// (with --shard) ran another number of test cases than its files list;
/// 128+signal when interrupted.
RunVerdict judge(const RunOutcome& outcome);

/// Prints the human-readable report of the run.
void print_summary(std::ostream& out, const RunOutcome& outcome, const RunVerdict& verdict);

/// Prints the split of a `--shard` run: every shard's weight, then this
/// shard's files and the arguments added to the suite's.
void print_plan(std::ostream& out, const ShardPlan& plan, const std::string& suite);

/// Writes the combined JSON (run figures, verdict and the suite's own report)
/// to `path`, atomically. Throws Error naming the path when it cannot.
void write_combined_report(const std::filesystem::path& path, const RunOutcome& outcome,
                           const RunVerdict& verdict);

}  // namespace testdb::cli

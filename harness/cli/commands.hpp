/// @file commands.hpp
/// @brief The subcommands of the `testdb` command-line tool: their options
/// and entry points. main.cpp parses the command line (CLI11) into these
/// structures and calls one entry point; each returns the process exit code.
///
/// The tool uses testdb's public headers, and the core's private helpers it
/// shares (percent-coding, redaction, spawning, the PATH search).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "testdb/embedded_server.hpp"

namespace testdb::cli {

/// The whole tool: parses `argv` (`testdb <command> [options]`), runs the
/// subcommand and returns the process exit code (an ExitCode, the suite's
/// own for `run`). Errors are printed, not thrown.
int run_command_line(int argc, char** argv);

/// Exit codes shared by every subcommand.
enum ExitCode : int {
    kExitOk = 0,           ///< success (or: nothing to do)
    kExitFailed = 1,       ///< the check failed: findings, no fit, no connection
    kExitUsage = 2,        ///< bad input: options, paths, configuration
    kExitRunProblem = 3,   ///< `run`: the suite passed but broke a testdb rule
    kExitCannotExec = 127  ///< `run`: the suite could not be started
};

/// Options of `testdb up` and `testdb down`.
struct UpOptions {
    /// Where the server's directory and the state file `testdb-up.json` live
    /// (must be reachable by the unprivileged server user when run as root).
    std::filesystem::path dir = "/tmp";
    /// TCP port on 127.0.0.1 to listen on as well; 0 = Unix socket only.
    int port = 0;
    /// Extra server settings for `testdb up`, `name=value` each
    /// (e.g. max_connections=5).
    std::vector<std::string> settings;
    /// The embedded server's data directory cache for `testdb up` (see
    /// `testdb cache`); default: EmbeddedServerOptions::cache_dir.
    std::filesystem::path cache_dir = EmbeddedServerOptions{}.cache_dir;
    /// `testdb down --server DIR`: stop this server directory instead (one a
    /// run kept with TESTDB_KEEP_FAILED=1, which prints the command).
    std::filesystem::path server;
};

/// `testdb up`: starts a detached embedded server (or finds the running one)
/// and prints `export DATABASE_URL_TEST='...'` on stdout.
int up(const UpOptions& options);

/// `testdb down`: stops the server `testdb up` started and removes its files
/// and the state file. Exit 0 also when nothing is up.
int down(const UpOptions& options);

/// Options of `testdb run`.
struct RunOptions {
    /// Where to write the combined JSON report; empty = none.
    std::string report;
    /// Where to write the HTML report (docs/REPORT.md); empty = none.
    std::string html;
    /// connection_limit for the suite; 0 = keep the configured one.
    int limit = 0;
    /// `--shard i/n` as given: run only the i-th of n parts of the suite,
    /// split by test file (shard.hpp); empty = the whole suite. Parsed and
    /// checked by run() (a bad value is kExitUsage).
    std::string shard;
    /// `--balance-from FILE` (repeatable): reports of a previous run (written
    /// by `testdb run --report`, or a suite's TESTDB_REPORT) whose per-file
    /// times balance the shards; empty = balance by test count.
    std::vector<std::string> balance_from;
    /// `--list-shard`: print the split and this shard's files, then exit 0
    /// without starting a server or running a test.
    bool list_shard = false;
    /// `--jobs N`: run N shards of the suite at once on this machine and
    /// merge them (run_jobs.hpp); 1 = one process.
    int jobs = 1;
    /// Internal, set by `--jobs` for its shards (`--shard-plan FILE`): the
    /// split the parent computed (shard.hpp save_plan), so a shard does not
    /// list the suite again; empty = list it.
    std::string shard_plan;
    /// The suite executable and its arguments.
    std::vector<std::string> command;
};

/// `testdb run`: runs the suite as one child process against the configured
/// server (or an embedded one), samples pg_stat_activity meanwhile and prints
/// the run's report. With `shard`, first lists the suite's files and runs only
/// this shard's (exit 0 at once when it has none). Returns the suite's exit
/// code, kExitRunProblem when it passed but exceeded its connection limit or
/// left rows, 130/143 when interrupted by SIGINT/SIGTERM.
int run(const RunOptions& options);

/// Options of `testdb doctor`.
struct DoctorOptions {
    /// The URL to check instead of the configured one; empty = configured.
    std::string url;
    /// How many test processes are meant to share the server at once.
    int processes = 1;
};

/// `testdb doctor`: connects, reads the server's connection budget and says
/// how many processes of the configured pool size fit. Exit 1 when they do
/// not fit or the server cannot be reached.
int doctor(const DoctorOptions& options);

/// Options of `testdb cache` and `testdb cache clean`.
struct CacheOptions {
    /// The embedded server's data directory cache (the default is
    /// EmbeddedServerOptions::cache_dir; `testdb up --cache-dir` picks another).
    std::filesystem::path cache_dir = EmbeddedServerOptions{}.cache_dir;
    /// `testdb cache clean`: remove what is not in use instead of listing it.
    bool clean = false;
};

/// `testdb cache`: lists the cache's entries (PostgreSQL version, server
/// user, disk use, spare, temporary copies, whether in use) and the total.
/// With `clean`, removes every entry not in use (its lock, taken without
/// waiting, is free) with its spare and temporary copies, and prints what
/// it freed. A missing cache directory is "nothing cached" (exit 0). Throws
/// ConfigError, touching nothing, when the directory holds anything but a
/// testdb cache's files. Exit 1 when something could not be removed.
int cache(const CacheOptions& options);

/// Options of `testdb lint`.
struct LintOptions {
    /// Files and directories to scan; empty = `tests` and `examples`.
    std::vector<std::string> paths;
};

/// `testdb lint`: flags test sources that open connections themselves, use
/// generic slugs, or use tenants/factories without the test context.
/// Exit 1 when anything is found.
int lint(const LintOptions& options);

}  // namespace testdb::cli

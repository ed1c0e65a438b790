/// @file report.hpp
/// @brief testdb::RunReport: what one test run did to the database, written
/// as JSON to TESTDB_REPORT by the global teardown and read by `testdb run`.
#pragma once

#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "testdb/lease_timeline.hpp"
#include "testdb/pool.hpp"

namespace testdb {

/// One test case's outcome.
struct TestRecord {
    std::string name;      ///< Catch2 test case name
    std::string file;      ///< source file of the test case
    bool passed = true;    ///< no failed assertion, no leak found at its end
    double seconds = 0.0;  ///< wall time of the test case
};

/// Per test file totals.
struct FileRecord {
    std::string file;      ///< source file
    std::string slug;      ///< file slug used in its tenants' slugs
    int tests = 0;         ///< test cases run
    int failed = 0;        ///< of which failed
    double seconds = 0.0;  ///< summed wall time
};

/// Rows left in one table after the run.
struct LeftoverRecord {
    std::string table;  ///< schema-qualified table name
    long long rows = 0; ///< rows of this run's tenants still there
};

/// A failed test case and why it failed.
struct FailureRecord {
    std::string name;     ///< test case name
    std::string file;     ///< its source file
    int line = 0;         ///< the line it is declared on
    std::string message;  ///< the failures reported for it (adapter and testdb findings)
};

/// The settings a run ran with, for the reader of its report.
struct RunFacts {
    std::string tier;                  ///< isolation tier: "tenant", "rollback" or "database"
    double pool_timeout_seconds = 0;   ///< how long a caller waited at most
    int server_version = 0;            ///< PQserverVersion (150004 = 15.4); 0 unknown
    std::string url;                   ///< the server's URL, password masked
    std::string shard;                 ///< TESTDB_SHARD ("2/4"), "" when not sharded
};

/// Why a run stopped before its first test (bad URL, safety guard, a server
/// that refused or was not there).
struct StartupFailure {
    std::string kind;     ///< the exception's class: "ConfigError", "SafetyGuardError", ...
    std::string message;  ///< its message, passwords masked
    std::string url;      ///< the database URL, masked; "" for the embedded server
};

/// Everything the global teardown reports about one run.
struct RunReport {
    /// Version of the documented JSON schema (docs/REPORT.md).
    static constexpr int kSchemaVersion = 2;
    int format = 1;                 ///< JSON layout marker of the first reports (always 1)
    int schema_version = kSchemaVersion;  ///< version of the schema the report follows
    std::string run_token;          ///< the run's token
    std::string application_name;   ///< what its connections report to the server
    int connection_limit = 0;       ///< the pool's limit
    int tests_total = 0;            ///< test cases run
    int tests_failed = 0;           ///< test cases failed
    double seconds = 0.0;           ///< wall time of the whole run
    PoolStats pool;                 ///< pool counters at the end
    std::vector<FileRecord> files;  ///< per file, in first-seen order
    std::vector<TestRecord> slowest;         ///< the five slowest test cases
    std::vector<LeftoverRecord> leftovers;   ///< rows left behind (should be empty)
    std::vector<std::string> leaks;          ///< leak messages (leases, transactions, rows)
    std::vector<std::string> stale_swept;    ///< tenants of crashed runs removed at start
    std::optional<StartupFailure> startup_error;  ///< set when the run failed at start
    RunFacts facts;                          ///< tier, pool_timeout, server, URL, shard
    std::vector<FailureRecord> failures;     ///< failed test cases with their messages
    std::optional<LeaseTimeline> timeline;   ///< the pool's leases (absent when not recorded)

    /// The report as pretty-printed JSON.
    std::string toJson() const;
    /// Deprecated spelling of toJson().
    [[deprecated("use toJson()")]] std::string to_json() const { return toJson(); }
    /// Parses what toJson() wrote; throws Error naming `origin` when malformed.
    static RunReport fromJson(const std::string& text, const std::string& origin = "report");
    /// Deprecated spelling of fromJson().
    [[deprecated("use fromJson()")]]
    static RunReport from_json(const std::string& text, const std::string& origin = "report") {
        return fromJson(text, origin);
    }
    /// Writes toJson() to `path` (atomically: temp file, then rename).
    void write(const std::filesystem::path& path) const;
    /// Reads and parses a report file; throws Error naming the path.
    static RunReport read(const std::filesystem::path& path);
    /// One line: tests, peak connections, waits, timeouts, slowest tests, leftovers.
    std::string summaryLine() const;
    /// Deprecated spelling of summaryLine().
    [[deprecated("use summaryLine()")]] std::string summary_line() const { return summaryLine(); }
};

/// For a run that failed before its first test: writes a report with
/// `error` (kind, masked message, masked URL) and zero counts to the file
/// TESTDB_REPORT names, when it is set, so a dashboard reading it sees why
/// (and the HTML report to TESTDB_REPORT_HTML, when that is set).
/// Never throws: the start-up error itself is what the run reports.
void writeStartupFailureReport(const std::exception& error) noexcept;

}  // namespace testdb

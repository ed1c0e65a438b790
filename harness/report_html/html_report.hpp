// Private: the run's report as one self-contained HTML file (inline SVG, a
// little inline script, the data embedded as JSON; no network at all).
// Written at runEnded for TESTDB_REPORT_HTML and by `testdb run --html`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "testdb/report.hpp"

namespace testdb::detail {

/// What only `testdb run` knows: the server's connection count over time.
struct HtmlExtras {
    /// (wall clock ms since 1970, backends of the run) as sampled.
    std::vector<std::pair<std::int64_t, int>> server_connections;
    int server_connections_limit = 0;  ///< the line drawn as the limit
    std::string error;                 ///< why there is no suite report, if there is none
    std::string verdict;               ///< `testdb run`'s judgement, "" from a suite alone
};

/// The complete HTML document.
std::string htmlReport(const RunReport& report, const HtmlExtras& extras);
/// Writes htmlReport() to `path` (temp file, then rename); throws Error naming the path.
void writeHtmlReport(const std::filesystem::path& path, const RunReport& report,
                     const HtmlExtras& extras);

/// The page around the data (html_template.cpp): head with the CSP and
/// styles, then the script that draws the report from the embedded JSON.
extern const char* const kHtmlHead;
extern const char* const kHtmlScript;

}  // namespace testdb::detail

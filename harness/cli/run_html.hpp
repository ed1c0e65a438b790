/// @file run_html.hpp
/// @brief `testdb run --html FILE`: the suite's report, the run's
/// pg_stat_activity samples and the verdict as one self-contained HTML page.
#pragma once

#include <filesystem>

#include "run_report.hpp"

namespace testdb::cli {

/// Writes the HTML report of `outcome` to `path` (a run without a suite
/// report shows why there is none). Throws Error naming the path when it
/// cannot write.
void write_run_html(const std::filesystem::path& path, const RunOutcome& outcome,
                    const RunVerdict& verdict);

}  // namespace testdb::cli

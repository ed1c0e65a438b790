#include "run_html.hpp"

#include "harness/report_html/html_report.hpp"

namespace testdb::cli {

void write_run_html(const std::filesystem::path& path, const RunOutcome& outcome,
                    const RunVerdict& verdict) {
    detail::HtmlExtras extras;
    extras.server_connections = outcome.activity.series;
    extras.server_connections_limit = outcome.connection_limit;
    extras.error = outcome.report ? "" : outcome.report_error;
    extras.verdict = verdict.problems.empty() ? "testdb run: clean" : "testdb run: ";
    for (std::size_t i = 0; i < verdict.problems.size(); ++i) {
        extras.verdict += (i ? "; " : "") + verdict.problems[i];
    }
    RunReport report;
    if (outcome.report) {
        report = *outcome.report;
    } else {
        // No suite report: what the tool knows of the run.
        report.run_token = outcome.run_token;
        report.application_name = outcome.application_name;
        report.connection_limit = outcome.connection_limit;
        report.seconds = outcome.seconds;
        report.facts.url = outcome.server;
    }
    if (report.facts.shard.empty() && outcome.shard) {
        report.facts.shard = outcome.shard->spec.text();
    }
    detail::writeHtmlReport(path, report, extras);
}

}  // namespace testdb::cli

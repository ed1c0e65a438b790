// suite_bench: the booking example's whole suite (booking_it, 104 test
// cases, one process) as a user runs it: wall time including the embedded
// server's start, against an already running server, and under
// `testdb run -- booking_it` (which samples pg_stat_activity); plus the
// suite process's peak RSS. The suite runs as a child; its rusage comes from
// wait4. Prints figures; asserts nothing (a failing suite is an error here).
//
//   suite_bench --suite PATH --cli PATH [--isolation-json FILE] [--quick] [--json FILE]
#include <unistd.h>

#include <map>
#include <optional>

#include "bench_common.hpp"

namespace {

using bench::json;

struct Variant {
    std::string name;
    std::vector<std::string> argv;
    std::vector<std::string> env;
    std::vector<double> seconds;
    std::vector<double> rss_mb;
    std::optional<json> report;  // the last run's suite or `testdb run` report
};

std::string temp_path(const std::string& what) {
    return "/tmp/testdb-bench-" + what + "-" + std::to_string(static_cast<long>(::getpid()));
}

}  // namespace

int main(int argc, char** argv) {
    const bench::Args args = bench::parse_args(argc, argv);
    std::string suite;
    std::string cli;
    std::string isolation_json;
    for (std::size_t i = 0; i + 1 < args.rest.size(); i += 2) {
        const std::string& flag = args.rest[i];
        (flag == "--suite" ? suite : flag == "--cli" ? cli : isolation_json) = args.rest[i + 1];
    }
    if (suite.empty() || cli.empty() || args.rest.size() % 2 != 0) {
        std::fprintf(stderr, "usage: suite_bench --suite PATH --cli PATH [--isolation-json FILE] "
                             "[--quick] [--json FILE]\n");
        return 2;
    }
    const std::string suite_report = temp_path("suite-report.json");
    const std::string run_report = temp_path("run-report.json");
    const std::string log = temp_path("suite.log");
    try {
        const int reps = args.quick ? 1 : 5;
        const bool embedded = testdb::loadConfig().source == testdb::ConfigSource::Embedded;
        // A server for the "already running" variant: the configured one, or
        // an embedded one started here (so its start is not in the figure).
        std::optional<testdb::EmbeddedServer> server;
        if (embedded) {
            server.emplace(testdb::EmbeddedServer::start());
        }
        const std::vector<std::string> running_env =
            server ? std::vector<std::string>{"DATABASE_URL_TEST=" + server->url()}
                   : std::vector<std::string>{};
        std::vector<Variant> variants{
            {"suite_alone", {suite}, {"TESTDB_REPORT=" + suite_report}, {}, {}, {}},
            {"suite_running_server", {suite}, running_env, {}, {}, {}},
            {"testdb_run", {cli, "run", "--report", run_report, "--", suite}, {}, {}, {}, {}}};
        variants[1].env.push_back("TESTDB_REPORT=" + suite_report);
        // r = -1 warms the page cache and the data directory cache (not in
        // --quick, whose point is only that the benchmark still works).
        for (int r = args.quick ? 0 : -1; r < reps; ++r) {
            for (Variant& v : variants) {
                const bench::ChildResult child = bench::run_child(v.argv, v.env, log);
                if (child.exit_status != 0) {
                    throw std::runtime_error(v.name + " failed with status " +
                                             std::to_string(child.exit_status) + "; see " + log);
                }
                if (r < 0) continue;
                v.seconds.push_back(child.seconds);
                v.rss_mb.push_back(static_cast<double>(child.maxrss_kb) / 1024.0);
                v.report = bench::read_json_file(v.name == "testdb_run" ? run_report : suite_report);
            }
        }
        struct rusage all {};
        ::getrusage(RUSAGE_CHILDREN, &all);
        server.reset();  // stop it before the figures are printed

        json doc{{"bench", "suite"}, {"title", "suite_bench: booking_it (" + suite + ")"}};
        doc["embedded"] = embedded;
        doc["rusage_children_maxrss_mb"] = static_cast<double>(all.ru_maxrss) / 1024.0;
        json& rows = doc["rows"];
        const json& suite_json = *variants[1].report;
        const int tests = suite_json["tests"]["total"].get<int>();
        doc["tests"] = tests;
        doc["connections_opened"] = suite_json["pool"]["opened"];
        const std::map<std::string, std::string> labels{
            {"suite_alone", embedded ? "booking_it wall, incl. embedded server start/stop"
                                     : "booking_it wall (configured server)"},
            {"suite_running_server", "booking_it wall, server already running"},
            {"testdb_run", "testdb run -- booking_it wall (sampling)"}};
        for (Variant& v : variants) {
            doc["variants"][v.name] = {{"seconds", bench::summary(v.seconds)},
                                       {"maxrss_mb", bench::summary(v.rss_mb)}};
            rows.push_back(bench::row(labels.at(v.name), bench::median(v.seconds), "s",
                                      bench::fmt("p95 %.2f s", bench::percentile(v.seconds, 0.95)) +
                                          bench::fmt(" n=%.0f", static_cast<double>(v.seconds.size()))));
        }
        const json& run_json = *variants[2].report;
        doc["peak_server_connections"] = run_json["peak_server_connections"];
        rows.push_back(bench::row("test cases in the suite", tests, ""));
        rows.push_back(bench::row("peak server connections sampled by testdb run",
                                  run_json["peak_server_connections"].is_number()
                                      ? run_json["peak_server_connections"].get<double>()
                                      : -1.0,
                                  "", bench::fmt("%.0f samples", run_json["samples"].get<double>())));
        rows.push_back(bench::row("peak RSS, suite process alone (server elsewhere)",
                                  bench::median(variants[1].rss_mb), "MB",
                                  bench::fmt("max %.1f MB", bench::percentile(variants[1].rss_mb, 1.0))));
        rows.push_back(bench::row("peak RSS, suite + its embedded server (wait4)",
                                  bench::median(variants[0].rss_mb), "MB",
                                  "largest process of the tree"));
        rows.push_back(bench::row("getrusage(RUSAGE_CHILDREN) ru_maxrss, all runs", static_cast<double>(all.ru_maxrss) / 1024.0,
                                  "MB", "largest child of any variant"));
        if (!isolation_json.empty()) {
            // No switch makes booking_it open a connection per test, so this
            // is an estimate: the measured suite plus, per test case, the
            // measured extra cost of a fresh connection over the tenant tier.
            const json iso = bench::read_json_file(isolation_json);
            const double extra_us = iso["methods"]["connection_per_test"]["median"].get<double>() -
                                    iso["methods"]["tenant"]["median"].get<double>();
            const double estimate = bench::median(variants[1].seconds) + tests * extra_us / 1e6;
            doc["connection_per_test_estimate_s"] = estimate;
            rows.push_back(bench::row("ESTIMATE: same suite, connection per test", estimate, "s",
                                      bench::fmt("+%.2f ms/test", extra_us / 1000.0)));
        }
        for (const std::string& path : {suite_report, run_report, log}) std::remove(path.c_str());
        bench::finish(args, doc);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "suite_bench: %s\n", e.what());
        return 1;
    }
}

// bench_report: merges the JSON of testdb's benchmarks into one document,
// prints one table of every figure with a goal (bench/figures.json)
// and whether this run met it, writes that table as markdown for
// docs/PERFORMANCE.md, and the per-test overhead data bench/plot.sh draws.
//
//   bench_report [--figures FILE] [--out FILE] [--markdown FILE] [--plot-data FILE] INPUT.json...
//
// --figures: the list of figures (default: the source tree's bench/figures.json).
// An INPUT is one benchmark's output or an earlier merged document. Output
// without a "bench" member (the shell benches') is named by its file name:
// build.json is the part "build".
#include <sys/utsname.h>

#include <cstdlib>
#include <ctime>
#include <thread>

#include "bench_common.hpp"
#include "report_table.hpp"

namespace {

using bench::json;

json machine() {
    struct utsname u {};
    ::uname(&u);
    double load[3] = {0, 0, 0};
    ::getloadavg(load, 3);
    char date[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return json{{"cores", std::thread::hardware_concurrency()},
                {"kernel", std::string(u.sysname) + " " + u.release},
                {"load_average_at_report", {load[0], load[1], load[2]}},
                {"date", date}};
}

// Per-test overhead by method, in ms: label, median, p95 (gnuplot columns).
void write_plot_data(const json& parts, const std::string& path) {
    if (!parts.contains("isolation")) {
        throw std::runtime_error("--plot-data needs the isolation benchmark's results");
    }
    const json& m = parts["isolation"]["methods"];
    const std::vector<std::pair<std::string, std::string>> order{
        {"bare_rollback", "bare\\nROLLBACK"},       {"tenant", "testdb\\ntenant"},
        {"rollback", "testdb\\nrollback"},          {"database_tier", "testdb\\ndatabase"},
        {"truncate", "TRUNCATE\\nper test"},        {"connection_per_test", "connection\\nper test"},
        {"clone_per_test_file_copy", "clone/test\\nFILE_COPY"}, {"clone_per_test", "clone/test\\nWAL_LOG"}};
    std::ofstream out(path);
    const json& server = parts["isolation"].value("server", json::object());
    out << "# server: PostgreSQL " << server.value("version", std::string("?"))
        << (server.value("embedded", false) ? ", embedded" : ", configured server") << ", fsync "
        << server.value("fsync", std::string("?")) << "\n";
    out << "# method median_ms p95_ms (per simulated test case; one run)\n";
    for (const auto& [key, label] : order) {
        if (!m.contains(key)) continue;
        // The database tier adds its amortised clone to every percentile.
        const double med = m[key].value("median_with_clone", m[key]["median"].get<double>());
        const double p95 = m[key]["p95"].get<double>() + med - m[key]["median"].get<double>();
        out << '"' << label << "\" " << med / 1000.0 << ' ' << p95 / 1000.0 << '\n';
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string figures_path = TESTDB_BENCH_FIGURES;
    std::string out_path;
    std::string markdown_path;
    std::string plot_path;
    std::vector<std::string> inputs;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--figures" && has_value) {
            figures_path = argv[++i];
        } else if (arg == "--out" && has_value) {
            out_path = argv[++i];
        } else if (arg == "--markdown" && has_value) {
            markdown_path = argv[++i];
        } else if (arg == "--plot-data" && has_value) {
            plot_path = argv[++i];
        } else {
            inputs.push_back(arg);
        }
    }
    if (inputs.empty()) {
        std::fprintf(stderr,
                     "usage: bench_report [--figures FILE] [--out FILE] [--markdown FILE] [--plot-data FILE] INPUT.json...\n");
        return 2;
    }
    try {
        json merged{{"machine", machine()}, {"parts", json::object()}};
        for (const std::string& path : inputs) {
            const json doc = bench::read_json_file(path);
            if (doc.contains("parts")) {
                merged["machine"] = doc["machine"];
                merged["parts"].update(doc["parts"]);
            } else {
                merged["parts"][bench::part_name(doc, path)] = doc;
            }
        }
        const std::vector<bench::Judged> table = bench::judge_all(bench::read_figures(figures_path), merged["parts"]);
        bench::print_table(table, std::cout);
        merged["goals"] = bench::goals_json(table);
        if (!out_path.empty()) {
            std::ofstream(out_path) << merged.dump(2) << "\n";
        }
        if (!markdown_path.empty()) {
            std::ofstream out(markdown_path);
            bench::write_markdown(table, merged, out);
            if (!out) throw std::runtime_error("cannot write " + markdown_path);
        }
        if (!plot_path.empty()) {
            write_plot_data(merged["parts"], plot_path);
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_report: %s\n", e.what());
        return 1;
    }
}

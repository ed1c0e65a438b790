// bench_report: merges the JSON of testdb's benchmarks into one document,
// prints one table with every goal and whether this run met it, and writes
// the per-test overhead data bench/plot.sh turns into a PNG.
//
//   bench_report [--out FILE] [--plot-data FILE] INPUT.json...
//
// An INPUT is one benchmark's output or an earlier merged document.
#include <sys/utsname.h>

#include <cstdlib>
#include <ctime>
#include <thread>

#include "bench_common.hpp"

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
    std::string out_path;
    std::string plot_path;
    std::vector<std::string> inputs;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--out" && i + 1 < argc) {
            out_path = argv[++i];
        } else if (arg == "--plot-data" && i + 1 < argc) {
            plot_path = argv[++i];
        } else {
            inputs.push_back(arg);
        }
    }
    if (inputs.empty()) {
        std::fprintf(stderr, "usage: bench_report [--out FILE] [--plot-data FILE] INPUT.json...\n");
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
                merged["parts"][doc.at("bench").get<std::string>()] = doc;
            }
        }
        int met = 0;
        std::vector<std::string> missed;
        std::printf("%-62s %12s %-5s %-24s %s\n", "figure", "value", "unit", "spread", "goal");
        for (const char* name : {"isolation", "pool", "factory", "embedded", "suite"}) {
            if (!merged["parts"].contains(name)) continue;
            const json& part = merged["parts"][name];
            std::printf("\n%s%s\n", part["title"].get<std::string>().c_str(),
                        part.value("quick", false) ? " (quick: few iterations)" : "");
            for (const json& r : part["rows"]) {
                std::string goal;
                if (r.contains("met")) {
                    goal = (r["met"].get<bool>() ? "met " : "MISSED ") + r["goal"].get<std::string>();
                    if (r["met"].get<bool>()) {
                        ++met;
                    } else {
                        missed.push_back(r["name"].get<std::string>());
                    }
                }
                std::printf("  %-60s %12.3f %-5s %-24s %s\n", r["name"].get<std::string>().c_str(),
                            r["value"].get<double>(), r["unit"].get<std::string>().c_str(),
                            r["spread"].get<std::string>().c_str(), goal.c_str());
            }
        }
        std::printf("\ngoals met: %d, missed: %zu\n", met, missed.size());
        for (const std::string& m : missed) std::printf("  missed: %s\n", m.c_str());
        merged["goals"] = {{"met", met}, {"missed", missed}};
        if (!out_path.empty()) {
            std::ofstream(out_path) << merged.dump(2) << "\n";
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

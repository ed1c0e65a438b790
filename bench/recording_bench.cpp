// recording_bench: what recording the pool's lease timeline costs.
//  1. booking_it (the booking example's suite) against one running server,
//     with TESTDB_RECORD_LEASES on and off, interleaved run by run so both
//     see the same machine load; wall time and CPU time (user+sys) ratios.
//  2. In process: acquire + release on a warm pool, on and off, ns per lease;
//     times the suite's leases over its wall time, the cost share that the
//     suite's ratio (noisy on a shared machine) should show.
// Prints figures; asserts nothing. Recording stays on by default only while
// the suite's ratio is under 1.02 (docs/REPORT.md states the figure).
//
//   recording_bench --suite PATH [--quick] [--json FILE]
#include <sys/resource.h>

#include <cstdlib>

#include "bench_common.hpp"

namespace {

using bench::json;

double children_cpu_seconds() {
    struct rusage usage {};
    ::getrusage(RUSAGE_CHILDREN, &usage);
    const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// ns per acquire+release of a fresh pool of the running server's URL.
double ns_per_lease(const testdb::Config& config, bool record, int leases) {
    ::setenv("TESTDB_RECORD_LEASES", record ? "1" : "0", 1);
    testdb::Pool pool(config, "recbench");
    { testdb::Lease warm = pool.acquire("warm up"); }
    const auto start = bench::Clock::now();
    for (int i = 0; i < leases; ++i) {
        testdb::Lease lease = pool.acquire("bench lease");
    }
    const double us = bench::us_since(start);
    pool.shutdown();
    return us * 1000.0 / leases;
}

}  // namespace

int main(int argc, char** argv) {
    const bench::Args args = bench::parse_args(argc, argv);
    if (args.rest.size() != 2 || args.rest[0] != "--suite") {
        std::fprintf(stderr, "usage: recording_bench --suite PATH [--quick] [--json FILE]\n");
        return 2;
    }
    const std::string suite = args.rest[1];
    const std::string log = "/tmp/testdb-recording-bench-" + std::to_string(::getpid()) + ".log";
    const std::string report = log + ".json";
    try {
        const testdb::Config config = testdb::getTestDb().config();  // starts a server if needed
        const std::string url = "DATABASE_URL_TEST=" + config.libpq_url;
        const int reps = args.quick ? 1 : 7;
        std::vector<double> wall[2], cpu[2];
        for (int r = args.quick ? 0 : -1; r < reps; ++r) {
            for (int on = 0; on < 2; ++on) {
                const double cpu_before = children_cpu_seconds();
                const bench::ChildResult child = bench::run_child(
                    {suite},
                    {url, "TESTDB_REPORT=" + report, std::string("TESTDB_RECORD_LEASES=") + (on ? "1" : "0")},
                    log);
                if (child.exit_status != 0) {
                    throw std::runtime_error("booking_it failed with status " +
                                             std::to_string(child.exit_status) + "; see " + log);
                }
                if (r < 0) continue;  // warms caches
                wall[on].push_back(child.seconds);
                cpu[on].push_back(children_cpu_seconds() - cpu_before);
            }
        }
        const int leases = args.quick ? 2000 : 20000;
        std::vector<double> lease_ns[2];
        for (int r = 0; r < (args.quick ? 1 : 5); ++r) {
            for (int on = 0; on < 2; ++on) lease_ns[on].push_back(ns_per_lease(config, on, leases));
        }
        const double wall_ratio = bench::median(wall[1]) / bench::median(wall[0]);
        const double cpu_ratio = bench::median(cpu[1]) / bench::median(cpu[0]);
        const double leases_in_suite = bench::read_json_file(report)["pool"]["acquires"].get<double>();
        const double extra_ns = bench::median(lease_ns[1]) - bench::median(lease_ns[0]);
        const double share = extra_ns * leases_in_suite / (bench::median(wall[0]) * 1e9);
        json doc{{"bench", "recording"}, {"title", "recording_bench: lease timeline on vs off"}};
        doc["wall_ratio"] = wall_ratio;
        doc["cpu_ratio"] = cpu_ratio;
        json& rows = doc["rows"];
        const std::string n = bench::fmt("n=%.0f interleaved", static_cast<double>(wall[0].size()));
        rows.push_back(bench::row("booking_it wall, recording off", bench::median(wall[0]), "s", n));
        rows.push_back(bench::row("booking_it wall, recording on", bench::median(wall[1]), "s", n));
        rows.push_back(bench::row("wall ratio on/off", wall_ratio, ""));
        rows.push_back(bench::row("booking_it CPU (user+sys), recording off", bench::median(cpu[0]), "s", n));
        rows.push_back(bench::row("booking_it CPU (user+sys), recording on", bench::median(cpu[1]), "s", n));
        rows.push_back(bench::row("CPU ratio on/off", cpu_ratio, ""));
        rows.push_back(bench::row("acquire+release, recording off", bench::median(lease_ns[0]), "ns",
                                  bench::fmt("%.0f leases per pool", leases)));
        rows.push_back(bench::row("acquire+release, recording on", bench::median(lease_ns[1]), "ns",
                                  bench::fmt("%.0f leases per pool", leases)));
        rows.push_back(bench::row("recording's share of the suite: extra ns x leases / wall",
                                  100.0 * share, "%",
                                  bench::fmt("%.0f leases", leases_in_suite)));
        doc["estimated_share"] = share;
        std::remove(log.c_str());
        std::remove(report.c_str());
        bench::finish(args, doc);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "recording_bench: %s\n", e.what());
        return 1;
    }
}

// embedded_bench: how long testdb's throwaway PostgreSQL takes from
// EmbeddedServer::start() to the first successful query, cold (initdb) and
// from the cache of an initialised data directory, and how long stop() and
// the removal of its files take; cached starts with the spare data
// directory (the default) and without it (use_spare=false), interleaved,
// so both see the same machine. Uses a private cache directory so that the
// machine's shared cache is neither used nor disturbed. Asserts nothing.
//
//   embedded_bench [--quick] [--json FILE]
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include <pqxx/pqxx>

#include "bench_common.hpp"

namespace {

using bench::json;

struct Sample {
    double init_ms = 0, start_ms = 0, createdb_ms = 0, first_query_ms = 0, total_ms = 0, stop_ms = 0;
    bool used_cache = false, used_spare = false;
};

// One start: the server's own timings, then the first query as a test would
// send it (a fresh connection to the test database), then stop().
Sample start_once(const testdb::EmbeddedServerOptions& options) {
    Sample s;
    const auto begin = bench::Clock::now();
    testdb::EmbeddedServer server = testdb::EmbeddedServer::start(options);
    const auto ready = bench::Clock::now();
    {
        pqxx::connection conn(server.url());
        pqxx::nontransaction(conn).exec("SELECT 1");
    }
    s.total_ms = bench::us_since(begin) / 1000.0;
    s.first_query_ms = bench::us_since(ready) / 1000.0;
    const testdb::EmbeddedServerTimings t = server.timings();
    s.used_cache = t.used_cache;
    s.used_spare = t.used_spare;
    s.init_ms = static_cast<double>(t.init.count());
    s.start_ms = static_cast<double>(t.start.count());
    s.createdb_ms = static_cast<double>((t.total - t.init - t.start).count());
    const auto stopping = bench::Clock::now();
    server.stop();
    s.stop_ms = bench::us_since(stopping) / 1000.0;
    return s;
}

json summarise(const std::vector<Sample>& samples) {
    std::map<std::string, std::vector<double>> by;
    for (const Sample& s : samples) {
        by["total_to_first_query_ms"].push_back(s.total_ms);
        by["init_ms"].push_back(s.init_ms);
        by["postgres_start_ms"].push_back(s.start_ms);
        by["create_database_ms"].push_back(s.createdb_ms);
        by["first_query_ms"].push_back(s.first_query_ms);
        by["stop_and_cleanup_ms"].push_back(s.stop_ms);
    }
    json j;
    for (const auto& [name, values] : by) {
        j[name] = bench::summary(values);
    }
    return j;
}

// Waits for the spare preparers still copying in `cache` (each holds its
// entry's lock file) so that the cache can be removed under nobody's feet.
void wait_for_preparers(const std::filesystem::path& cache) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(cache, ec), end; !ec && it != end; it.increment(ec)) {
        const int fd = it->path().extension() == ".lock" ? ::open(it->path().c_str(), O_RDONLY) : -1;
        if (fd >= 0) {
            ::flock(fd, LOCK_EX);
            ::close(fd);
        }
    }
}

std::string spread(const json& j, const std::string& field) {
    return bench::fmt("p95 %.0f ms", j[field]["p95"].get<double>()) +
           bench::fmt(" n=%.0f", j[field]["n"].get<double>());
}

}  // namespace

int main(int argc, char** argv) {
    const bench::Args args = bench::parse_args(argc, argv);
    if (!args.rest.empty()) {
        std::fprintf(stderr, "usage: embedded_bench [--quick] [--json FILE]\n");
        return 2;
    }
    const std::filesystem::path cache =
        "/tmp/testdb-bench-cache-" + std::to_string(static_cast<long>(::getpid()));
    try {
        const int cold_reps = args.quick ? 1 : 5;
        const int cached_reps = args.quick ? 2 : 10;
        testdb::EmbeddedServerOptions cold;
        cold.use_cache = false;
        testdb::EmbeddedServerOptions cached;  // with the spare (the default)
        cached.cache_dir = cache;
        testdb::EmbeddedServerOptions copied = cached;  // the copy on the critical path
        copied.use_spare = false;

        // Filling the cache is a cold start plus one preparatory server run.
        const Sample fill = start_once(cached);
        std::vector<Sample> cold_samples;
        std::vector<Sample> cached_samples;
        std::vector<Sample> copied_samples;
        int spares = 0;
        for (int i = 0; i < std::max(cold_reps, cached_reps); ++i) {  // interleaved
            if (i < cold_reps) cold_samples.push_back(start_once(cold));
            if (i < cached_reps) {
                copied_samples.push_back(start_once(copied));
                cached_samples.push_back(start_once(cached));
                spares += cached_samples.back().used_spare ? 1 : 0;
            }
        }
        for (const std::vector<Sample>* samples : {&cached_samples, &copied_samples}) {
            for (const Sample& s : *samples) {
                if (!s.used_cache) throw std::runtime_error("a cached start did not use the cache");
            }
        }
        json doc{{"bench", "embedded"}, {"title", "embedded_bench: throwaway PostgreSQL"}};
        doc["cold"] = summarise(cold_samples);
        doc["cached"] = summarise(cached_samples);
        doc["cached_without_spare"] = summarise(copied_samples);
        doc["starts_that_claimed_a_spare"] = spares;
        doc["cache_fill_ms"] = fill.total_ms;
        const json& c = doc["cold"];
        const json& w = doc["cached"];
        const json& x = doc["cached_without_spare"];
        const auto med = [](const json& j, const std::string& f) { return j[f]["median"].get<double>(); };
        json& rows = doc["rows"];
        const double cold_total = med(c, "total_to_first_query_ms");
        const double cached_total = med(w, "total_to_first_query_ms");
        rows.push_back(bench::row("cold start to first query (initdb)", cold_total / 1000.0, "s",
                                  spread(c, "total_to_first_query_ms")));
        rows.push_back(bench::row("  of which initdb", med(c, "init_ms"), "ms", spread(c, "init_ms")));
        rows.push_back(bench::row("  of which postgres start until ready", med(c, "postgres_start_ms"), "ms",
                                  spread(c, "postgres_start_ms")));
        rows.push_back(bench::row("  of which CREATE DATABASE", med(c, "create_database_ms"), "ms",
                                  spread(c, "create_database_ms")));
        const double copied_total = med(x, "total_to_first_query_ms");
        rows.push_back(bench::row("cached start to first query, with a spare", cached_total / 1000.0, "s",
                                  spread(w, "total_to_first_query_ms") +
                                      bench::fmt(", %.0f", spares) + bench::fmt(" of %.0f claimed one", cached_reps)));
        rows.push_back(bench::row("  of which claim of the spare (or copy)", med(w, "init_ms"), "ms",
                                  spread(w, "init_ms")));
        rows.push_back(bench::row("  of which postgres start until ready", med(w, "postgres_start_ms"), "ms",
                                  spread(w, "postgres_start_ms")));
        rows.push_back(bench::row("  of which rename database + spare preparer started",
                                  med(w, "create_database_ms"), "ms", spread(w, "create_database_ms")));
        rows.push_back(bench::row("  of which first query", med(w, "first_query_ms"), "ms",
                                  spread(w, "first_query_ms")));
        rows.push_back(bench::row("cached start to first query, without a spare (use_spare=false)",
                                  copied_total / 1000.0, "s", spread(x, "total_to_first_query_ms")));
        rows.push_back(bench::row("  of which copy of the cached data dir", med(x, "init_ms"), "ms",
                                  spread(x, "init_ms")));
        rows.push_back(bench::row("  of which postgres start until ready", med(x, "postgres_start_ms"), "ms",
                                  spread(x, "postgres_start_ms")));
        rows.push_back(bench::row("  of which rename database + first query",
                                  med(x, "create_database_ms") + med(x, "first_query_ms"), "ms"));
        rows.push_back(bench::row("without a spare / with a spare", copied_total / cached_total, "x"));
        rows.push_back(bench::row("stop + cleanup (cold-started server)", med(c, "stop_and_cleanup_ms"), "ms",
                                  spread(c, "stop_and_cleanup_ms")));
        rows.push_back(bench::row("stop + cleanup (cached-started server)", med(w, "stop_and_cleanup_ms"),
                                  "ms", spread(w, "stop_and_cleanup_ms")));
        double load[3] = {0, 0, 0};
        if (::getloadavg(load, 3) == 3) {
            doc["load_average_1m"] = load[0];
            rows.push_back(bench::row("1-minute load average at the end (2 cores)", load[0], ""));
        }
        rows.push_back(bench::row("first start with an empty cache (fills it)", fill.total_ms / 1000.0, "s"));
        wait_for_preparers(cache);
        std::filesystem::remove_all(cache);
        bench::finish(args, doc);
        return 0;
    } catch (const std::exception& e) {
        std::error_code ec;
        wait_for_preparers(cache);
        std::filesystem::remove_all(cache, ec);
        std::fprintf(stderr, "embedded_bench: %s\n", e.what());
        return 1;
    }
}

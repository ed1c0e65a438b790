// migration_bench: a 50-file migrations directory (SCHEMA pointing at a
// directory) applied the first time, and what a hash hit adds to the start
// of every later run: reading and hashing the 50 files and one look-up in
// testdb_schema_state. Asserts nothing.
//
//   migration_bench [--quick] [--json FILE]
#include <filesystem>
#include <fstream>

#include <pqxx/pqxx>

#include "bench_common.hpp"

namespace {

namespace fs = std::filesystem;
using bench::json;

constexpr int kFiles = 50;

// A table with a foreign key to the previous one, an index and a comment per
// file: the shape of an application's migrations, not empty files.
fs::path write_migrations() {
    const fs::path dir = fs::temp_directory_path() / ("testdb-bench-migrations-" + testdb::runToken());
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (int i = 1; i <= kFiles; ++i) {
        const std::string t = "bench_m" + std::to_string(i);
        std::ofstream out(dir / (std::to_string(i) + "_" + t + ".sql"));
        out << "-- migration " << i << " of " << kFiles << "\n"
            << "CREATE TABLE " << t << " (\n    id bigserial PRIMARY KEY,\n"
            << "    name text NOT NULL DEFAULT '',\n    created_at timestamptz NOT NULL DEFAULT now()"
            << (i > 1 ? ",\n    parent_id bigint REFERENCES bench_m" + std::to_string(i - 1) + " (id)" : "")
            << "\n);\nCREATE INDEX " << t << "_name ON " << t << " (name);\n"
            << "COMMENT ON TABLE " << t << " IS 'bench migration " << i << "';\n";
    }
    return dir;
}

void empty_database() {
    testdb::withConnection(testdb::getTestDb().pool(), [](pqxx::connection& conn) {
        pqxx::nontransaction(conn).exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    });
}

}  // namespace

int main(int argc, char** argv) {
    const bench::Args args = bench::parse_args(argc, argv);
    if (!args.rest.empty()) {
        std::fprintf(stderr, "usage: migration_bench [--quick] [--json FILE]\n");
        return 2;
    }
    try {
        const fs::path dir = write_migrations();
        testdb::Pool& pool = testdb::getTestDb().pool();
        std::vector<double> first, hit, hash_only, round_trip;
        const int first_runs = args.quick ? 1 : 5;
        const int hit_runs = args.quick ? 10 : 200;
        for (int i = 0; i < first_runs; ++i) {
            empty_database();
            const auto start = bench::Clock::now();
            if (!testdb::applySchemaOnce(pool, dir)) throw std::runtime_error("first apply was a hit");
            first.push_back(bench::us_since(start) / 1000.0);
        }
        for (int i = 0; i < hit_runs; ++i) {
            auto start = bench::Clock::now();
            if (testdb::applySchemaOnce(pool, dir)) throw std::runtime_error("a hash hit applied");
            hit.push_back(bench::us_since(start) / 1000.0);
            start = bench::Clock::now();
            (void)testdb::migrationHash(dir);
            hash_only.push_back(bench::us_since(start) / 1000.0);
            // Baseline: the one round trip a hit cannot avoid, as the pool lends it.
            start = bench::Clock::now();
            testdb::withConnection(pool, [](pqxx::connection& conn) {
                pqxx::nontransaction(conn).exec("SELECT 1");
            });
            round_trip.push_back(bench::us_since(start) / 1000.0);
        }
        fs::remove_all(dir);
        const double hit_ms = bench::median(hit);
        json doc;
        doc["bench"] = "migration";
        doc["title"] = "migration_bench: a 50-file migrations directory";
        doc["results"] = {{"first_apply_ms", bench::summary(first)},
                          {"hash_hit_ms", bench::summary(hit)},
                          {"read_and_hash_ms", bench::summary(hash_only)},
                          {"pool_round_trip_ms", bench::summary(round_trip)}};
        doc["rows"] = json::array(
            {bench::row("first apply of 50 files (one transaction)", bench::median(first), "ms",
                        "n=" + std::to_string(first.size())),
             bench::row("hash hit: read + SHA-256 + one look-up", hit_ms, "ms",
                        "p95 " + bench::fmt("%.3f", bench::percentile(hit, 0.95))),
             bench::row("of which reading and hashing the 50 files", bench::median(hash_only), "ms",
                        "p95 " + bench::fmt("%.3f", bench::percentile(hash_only, 0.95))),
             bench::row("baseline: SELECT 1 on a pooled connection", bench::median(round_trip), "ms",
                        "p95 " + bench::fmt("%.3f", bench::percentile(round_trip, 0.95)))});
        bench::finish(args, doc);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "migration_bench: %s\n", e.what());
        return 1;
    }
}

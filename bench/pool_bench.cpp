// pool_bench: what one acquire+release of testdb's pool costs, uncontended and
// with 8 threads on 3 connections, against the baseline users write by hand:
// a fresh connection per operation. Prints figures; asserts nothing.
//
//   pool_bench [--quick] [--iterations N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "testdb/testdb.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double ns_per_op(Clock::duration elapsed, long ops) {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
           static_cast<double>(ops);
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

// Median of `rounds` timings of `ops` acquire+release pairs on one thread.
double uncontended(testdb::Pool& pool, long ops, int rounds) {
    std::vector<double> samples;
    for (int r = 0; r < rounds; ++r) {
        const auto start = Clock::now();
        for (long i = 0; i < ops; ++i) {
            testdb::Lease lease = pool.acquire("bench");
        }
        samples.push_back(ns_per_op(Clock::now() - start, ops));
    }
    return median(samples);
}

// Wall time per acquire+release with `threads` threads sharing the pool.
double contended(testdb::Pool& pool, long ops_per_thread, int threads) {
    std::vector<std::thread> workers;
    const auto start = Clock::now();
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (long i = 0; i < ops_per_thread; ++i) {
                testdb::Lease lease = pool.acquire("bench");
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    return ns_per_op(Clock::now() - start, ops_per_thread * threads);
}

// The hand-written baseline: open a connection, run nothing, close it.
double fresh_connection(const testdb::TestDb& db, int ops) {
    const std::string conninfo = db.config().connection_string("bench-baseline");
    const auto start = Clock::now();
    for (int i = 0; i < ops; ++i) {
        pqxx::connection conn(conninfo);
    }
    return ns_per_op(Clock::now() - start, ops);
}

}  // namespace

int main(int argc, char** argv) {
    long iterations = 200000;
    int fresh_ops = 200;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0) {
            iterations = 2000;
            fresh_ops = 10;
        } else if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
            iterations = std::stol(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: pool_bench [--quick] [--iterations N]\n");
            return 2;
        }
    }
    try {
        testdb::TestDb& db = testdb::getTestDb();
        testdb::Pool& pool = db.pool();
        { testdb::Lease warm = pool.acquire("warm-up"); }  // open one connection first

        const double solo = uncontended(pool, iterations, 5);
        const double shared = contended(pool, iterations / 8, 8);
        const testdb::PoolStats stats = pool.stats();
        const double fresh = fresh_connection(db, fresh_ops);

        std::printf("pool_bench (%ld iterations, limit %d)\n", iterations,
                    db.config().connection_limit);
        std::printf("  %-44s %12.0f ns\n", "acquire+release, 1 thread (median of 5)", solo);
        std::printf("  %-44s %12.0f ns\n", "acquire+release, 8 threads on 3 connections", shared);
        std::printf("  %-44s %12.0f ns\n", "fresh connection per operation (baseline)", fresh);
        std::printf("  %-44s %12.0fx\n", "pool vs fresh connection, 1 thread", fresh / solo);
        std::printf("  %-44s %12.0fx\n", "pool vs fresh connection, 8 threads", fresh / shared);
        std::printf("  goal <= 1000 ns uncontended: %s\n", solo <= 1000.0 ? "met" : "NOT met");
        std::printf("  pool: %llu acquires, %llu waits, max wait %.3f ms, %llu opened\n",
                    static_cast<unsigned long long>(stats.acquires),
                    static_cast<unsigned long long>(stats.waits),
                    std::chrono::duration<double, std::milli>(stats.max_wait).count(),
                    static_cast<unsigned long long>(stats.opened));
        db.shutdown();
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pool_bench: %s\n", e.what());
        return 1;
    }
}

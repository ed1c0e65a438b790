// touched_bench: what the touched tier costs per test case on the booking
// workload without tenants (an account row, a package, three bookings and a
// payment event, committed, then read back), against a bare ROLLBACK of the
// same work on one connection and pytest-django's `transaction=True` (the
// work committed, then one TRUNCATE of every table). The touched tier runs
// through testdb's real lifecycle (registerSuite, runStarting, the per-test
// hooks) in its per-process clone; the baselines run in the same database,
// interleaved case by case in rounds, so noise hits all three alike. Prints
// figures; asserts nothing.
//
//   touched_bench [--quick] [--json FILE]
#include <algorithm>
#include <functional>
#include <map>
#include <thread>

#include <pqxx/pqxx>

#include "bench_common.hpp"
#include "testdb/lifecycle.hpp"

namespace {

using bench::json;

constexpr const char* kAllTables =
    "bench_payment_events, bench_booking_addons, bench_bookings, bench_addons, bench_packages, "
    "bench_tenants";

long g_case = 0;
std::vector<double> g_end_us;       // testBodyEnded(): the checks and the restore
std::vector<double> g_truncate_us;  // the TRUNCATE statement alone
std::vector<double> g_body_us;      // the touched case's body, with its COMMIT

// The booking workload: four statements and a read, one transaction.
void booking_body(pqxx::transaction_base& tx) {
    const std::string slug = "touched-" + std::to_string(++g_case) + "-" + testdb::runToken();
    const std::string account =
        tx.exec("INSERT INTO bench_tenants (slug) VALUES (" + tx.quote(slug) + ") RETURNING id")[0][0]
            .c_str();
    const std::string package =
        tx.exec("INSERT INTO bench_packages (tenant_id, slug, name, price_cents) VALUES (" +
                account + ", 'p', 'Package', 1000) RETURNING id")[0][0]
            .c_str();
    tx.exec("INSERT INTO bench_bookings (tenant_id, package_id, booking_date, customer_email, "
            "total_cents) SELECT " + account + ", " + package +
            ", DATE '2026-12-01' + d, 'guest@example.com', 1000 FROM generate_series(0, 2) d");
    tx.exec("INSERT INTO bench_payment_events (tenant_id, provider, event_id, booking_id, "
            "requested_booking_id, amount_cents, outcome) SELECT " + account +
            ", 'bench', 'charge-' || id, id, id, 1000, 'applied' FROM bench_bookings WHERE tenant_id = " +
            account + " LIMIT 1");
    if (tx.exec("SELECT * FROM bench_bookings WHERE tenant_id = " + account).size() != 3) {
        throw std::runtime_error("read back the wrong bookings");
    }
}

// The touched tier as an adapter drives one test case.
void touched_case(const testdb::TestCaseInfo& test) {
    testdb::Lifecycle& life = testdb::lifecycle();
    life.testCaseStarting(test);
    life.testBodyStarting();
    const auto body_start = bench::Clock::now();
    testdb::withConnection([](pqxx::connection& conn) {
        pqxx::work tx(conn);
        booking_body(tx);
        tx.commit();
    });
    g_body_us.push_back(bench::us_since(body_start));
    const auto end_start = bench::Clock::now();
    const std::vector<testdb::Finding> findings = life.testBodyEnded(false);
    g_end_us.push_back(bench::us_since(end_start));
    life.testCaseEnded(findings.empty());
    if (!findings.empty()) {
        throw std::runtime_error("touched case: " + findings.front().message);
    }
}

void bare_rollback_case(pqxx::connection& conn) {
    pqxx::work tx(conn);
    booking_body(tx);
    tx.abort();
}

// pytest-django's transaction=True: the work commits, then every table is
// truncated in one statement.
void truncate_case(pqxx::connection& conn) {
    {
        pqxx::work tx(conn);
        booking_body(tx);
        tx.commit();
    }
    const auto start = bench::Clock::now();
    pqxx::nontransaction(conn).exec(std::string("TRUNCATE ") + kAllTables);
    g_truncate_us.push_back(bench::us_since(start));
}

// The baselines' statements fire the touched tier's triggers too; what they
// noted is no work of the tier's next case (untimed).
void forget_baseline_writes(pqxx::connection& conn) {
    pqxx::nontransaction(conn).exec("DELETE FROM testdb_touched.log");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const bench::Args args = bench::parse_args(argc, argv);
        const int rounds = args.quick ? 2 : 10;
        const int per_round = args.quick ? 10 : 20;
        testdb::registerSuite({"touched_bench", TESTDB_BENCH_SCHEMA, "touched"});
        const testdb::TestCaseInfo test{"touched bench case", __FILE__, __LINE__, false};
        testdb::lifecycle().runStarting({test});
        pqxx::connection own(bench::conninfo("bench-baseline"));

        using Method = std::function<void()>;
        const std::vector<std::pair<std::string, Method>> methods{
            {"touched", [&] { touched_case(test); }},
            {"bare_rollback", [&] { bare_rollback_case(own); }},
            {"truncate_all", [&] { truncate_case(own); }}};
        std::map<std::string, std::vector<double>> samples;
        std::map<std::string, std::vector<double>> round_medians;
        for (const auto& method : methods) {  // warm caches and catalogs
            for (int i = 0; i < 5; ++i) method.second();
            forget_baseline_writes(own);
        }
        for (int r = 0; r < rounds; ++r) {
            std::map<std::string, std::vector<double>> round;
            for (int i = 0; i < per_round; ++i) {
                for (std::size_t k = 0; k < methods.size(); ++k) {  // order rotated per round
                    const auto& method = methods[(k + static_cast<std::size_t>(r)) % methods.size()];
                    const auto start = bench::Clock::now();
                    method.second();
                    round[method.first].push_back(bench::us_since(start));
                    if (method.first != "touched") forget_baseline_writes(own);
                }
            }
            for (const auto& [name, values] : round) {
                samples[name].insert(samples[name].end(), values.begin(), values.end());
                round_medians[name].push_back(bench::median(values));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(args.quick ? 50 : 500));
        }

        json doc{{"bench", "touched"}, {"title", "touched_bench: per test case, booking workload without tenants"}};
        const auto med = [&](const std::string& m) { return bench::median(samples[m]); };
        // Ratio of medians, and its range over the rounds (each round's medians).
        const auto ratio = [&](const std::string& a, const std::string& b) {
            std::vector<double> by_round(round_medians[a].size());
            std::transform(round_medians[a].begin(), round_medians[a].end(),
                           round_medians[b].begin(), by_round.begin(), std::divides<double>());
            const auto spread = std::minmax_element(by_round.begin(), by_round.end());
            return std::make_pair(med(a) / med(b), bench::fmt("rounds %.2f", *spread.first) +
                                                       bench::fmt("..%.2f", *spread.second));
        };
        json& rows = doc["rows"];
        for (const auto& [label, m] : std::vector<std::pair<std::string, std::string>>{
                 {"touched tier (testdb lifecycle)", "touched"},
                 {"bare ROLLBACK per test (baseline)", "bare_rollback"},
                 {"commit + TRUNCATE all 6 tables (pytest-django transaction=True)", "truncate_all"}}) {
            doc["methods"][m] = bench::summary(samples[m]);
            rows.push_back(bench::row(label + " median", med(m) / 1000.0, "ms",
                                      bench::fmt("p95 %.3f ms", bench::percentile(samples[m], 0.95) / 1000.0) +
                                          bench::fmt(" n=%.0f", static_cast<double>(samples[m].size()))));
        }
        rows.push_back(bench::row("  of which testBodyEnded() (checks + restore) median",
                                  bench::median(g_end_us) / 1000.0, "ms",
                                  bench::fmt("p95 %.3f ms", bench::percentile(g_end_us, 0.95) / 1000.0)));
        rows.push_back(bench::row("  of which the body and its COMMIT median",
                                  bench::median(g_body_us) / 1000.0, "ms"));
        rows.push_back(bench::row("  of which the TRUNCATE statement median",
                                  bench::median(g_truncate_us) / 1000.0, "ms",
                                  bench::fmt("p95 %.3f ms", bench::percentile(g_truncate_us, 0.95) / 1000.0)));
        doc["methods"]["touched_end_of_test"] = bench::summary(g_end_us);
        doc["methods"]["truncate_statement"] = bench::summary(g_truncate_us);
        rows.push_back(bench::row("ratio isolation work alone: testBodyEnded() / TRUNCATE",
                                  bench::median(g_end_us) / bench::median(g_truncate_us), "x"));
        const auto [vs_bare, bare_spread] = ratio("touched", "bare_rollback");
        rows.push_back(bench::row("ratio touched / bare ROLLBACK", vs_bare, "x", bare_spread));
        const auto [vs_truncate, truncate_spread] = ratio("touched", "truncate_all");
        rows.push_back(bench::row("ratio touched / TRUNCATE all", vs_truncate, "x", truncate_spread));
        doc["cases_per_method"] = rounds * per_round;
        const testdb::RunOutcome outcome = testdb::lifecycle().runEnded(std::cerr);
        if (outcome.failed()) {
            throw std::runtime_error("the run failed: " + outcome.failures.front());
        }
        bench::finish(args, doc);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "touched_bench: %s\n", e.what());
        return 1;
    }
}

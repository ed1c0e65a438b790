// isolation_bench: what keeping one test case's data apart costs, per test
// case, for testdb's three tiers and for what suites do by hand: a bare
// ROLLBACK on one connection, a new connection per test, TRUNCATE of every
// table, and a database cloned from a template per test. Every method runs
// the same small workload (a tenant, 5 rows, read back) and they are measured
// in interleaved rounds of one process, so a noisy neighbour slows all of
// them alike and the ratios stay meaningful. Prints figures; asserts nothing.
//
//   isolation_bench [--quick] [--json FILE]
//   isolation_bench --database-tier-child N OUTFILE   (run by the above)
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include <pqxx/pqxx>

#include "bench_common.hpp"
#include "testdb/lifecycle.hpp"
#include "testdb/query.hpp"

namespace {

using bench::json;
using testdb::TestContext;

// The booking suite's size: the database tier's clone is amortised over it.
constexpr int kSuiteTests = 104;

const testdb::Factory& packages() {
    static const testdb::Factory factory = testdb::Factory("bench_packages", "package")
                                               .slugColumn("slug")
                                               .column("name", "Package")
                                               .column("price_cents", "1000");
    return factory;
}

// Where a tenant-tier case spends its time, phase by phase (us); filled
// only while `g_phases` points somewhere.
std::map<std::string, std::vector<double>>* g_phases = nullptr;
void phase(const char* name, bench::Clock::time_point& since) {
    if (g_phases != nullptr) {
        (*g_phases)[name].push_back(bench::us_since(since));
        since = bench::Clock::now();
    }
}

// The test body every testdb tier runs, through the public API only.
void testdb_body(TestContext& ctx) {
    auto since = bench::Clock::now();
    const testdb::Tenant& tenant = ctx.tenants.tenantA.create();
    phase("1 tenant INSERT", since);
    packages().createMany(tenant, 5);
    phase("2 createMany(5)", since);
    const auto read = testdb::withConnection([&](pqxx::connection& conn) {
        pqxx::nontransaction tx(conn);
        return tx.exec("SELECT * FROM bench_packages WHERE tenant_id = " + tx.quote(tenant.id()))
            .size();
    });
    phase("3 read back", since);
    if (read != 5) {
        throw std::runtime_error("read back " + std::to_string(read) + " rows, not 5");
    }
}

// Tenant tier, as testdb's Catch2 listener drives a test case (outermost
// section start and end): context, the leak checks' in-process calls, the
// body, cleanupTenants().
void tenant_case(TestContext& ctx) {
    testdb::Pool& pool = testdb::getTestDb().pool();
    ctx.beginTestCase();
    testdb::contexts::setCurrent(&ctx);
    const auto rolled_back = pool.stats().rolled_back;
    testdb_body(ctx);
    if (!pool.holders().empty() || pool.stats().rolled_back != rolled_back) {
        throw std::runtime_error("lease leaked");
    }
    auto since = bench::Clock::now();
    ctx.tenants.cleanupTenants();
    phase("4 cleanupTenants", since);
    testdb::contexts::setCurrent(nullptr);
}

// Rollback tier, reproduced with the public API as RollbackScope does it:
// pin, BEGIN, the body (leases borrow the pinned connection, factories run
// in a SAVEPOINT), unpin, ROLLBACK, forget the rolled-back tenants.
void rollback_case(TestContext& ctx) {
    testdb::Pool& pool = testdb::getTestDb().pool();
    ctx.beginTestCase();
    testdb::contexts::setCurrent(&ctx);
    testdb::Lease pinned = pool.pin("bench: rollback tier");
    pqxx::nontransaction(pinned.connection(), "begin test").exec("BEGIN");
    testdb_body(ctx);
    pool.unpin();
    if (pinned.serverInTransaction()) {
        pqxx::nontransaction(pinned.connection(), "end test").exec("ROLLBACK");
    }
    pinned.release();
    ctx.tenants.tenantA.forget();
    ctx.tenants.tenantB.forget();
    ctx.tenants.cleanupTenants();  // nothing created any more: no round trip
    testdb::contexts::setCurrent(nullptr);
}

// The hand-written body: the same statements, with pqxx directly.
long g_slug = 0;
void hand_body(pqxx::transaction_base& tx) {
    const std::string slug = "bench-hand-" + std::to_string(++g_slug) + "-" + testdb::runToken();
    const std::string id =
        tx.exec("INSERT INTO bench_tenants (slug) VALUES (" + tx.quote(slug) + ") RETURNING id")[0][0]
            .c_str();
    std::string values;
    for (int i = 0; i < 5; ++i) {
        values += std::string(i ? ", (" : "(") + id + ", " + tx.quote(slug + "-p" + std::to_string(i)) +
                  ", 'Package', 1000)";
    }
    tx.exec("INSERT INTO bench_packages (tenant_id, slug, name, price_cents) VALUES " + values +
            " RETURNING *");
    if (tx.exec("SELECT * FROM bench_packages WHERE tenant_id = " + id).size() != 5) {
        throw std::runtime_error("hand-written body read back the wrong rows");
    }
}

void bare_rollback_case(pqxx::connection& conn) {
    pqxx::work tx(conn);
    hand_body(tx);
    tx.abort();
}

void connection_case(const std::string& conninfo) {
    pqxx::connection conn(conninfo);
    bare_rollback_case(conn);
}

void truncate_case(pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    hand_body(tx);
    tx.exec("TRUNCATE bench_payment_events, bench_booking_addons, bench_bookings, bench_addons, "
            "bench_packages, bench_tenants");
}

// A database per test: CREATE DATABASE from the template, connect, the
// body, disconnect, DROP. `strategy` is "" (PostgreSQL 15's WAL_LOG default,
// what suites write) or " STRATEGY FILE_COPY" (what testdb's tier uses).
void clone_case(const std::string& template_name, const std::string& strategy) {
    static int n = 0;
    const std::string name = "testdb_bench_clone_" + testdb::runToken() + "_" + std::to_string(++n);
    testdb::withConnection([&](pqxx::connection& admin) {
        pqxx::nontransaction(admin).exec("CREATE DATABASE " + admin.quote_name(name) + " TEMPLATE " +
                                         admin.quote_name(template_name) + strategy);
    });
    {
        pqxx::connection conn(bench::conninfo("bench-clone") + "&dbname=" + name);
        pqxx::nontransaction tx(conn);
        hand_body(tx);
    }
    testdb::withConnection([&](pqxx::connection& admin) {
        pqxx::nontransaction(admin).exec("DROP DATABASE " + admin.quote_name(name) + " WITH (FORCE)");
    });
}

// The database tier in a process of its own (it is chosen before
// getTestDb() builds the pool): the first getTestDb() builds the template
// if needed and clones it, N tenant-tier cases in the clone, shutdown()
// (which drops the clone).
int database_tier_child(int cases, const std::string& outfile) {
    const std::string tpl = "testdb_tpl_" + testdb::migrationHash(TESTDB_BENCH_SCHEMA).substr(0, 40);
    bool template_existed = false;
    {
        // The configured database (the parent's server), read before the
        // first getTestDb(), which builds the pool in the clone.
        pqxx::connection probe(testdb::loadConfig().connectionString("bench-probe"));
        template_existed = !testdb::query(pqxx::nontransaction(probe),
                                          "SELECT 1 FROM pg_database WHERE datname = $1", tpl)
                                .empty();
    }
    testdb::registerSuite({"isolation_bench", TESTDB_BENCH_SCHEMA, "database"});
    auto start = bench::Clock::now();
    testdb::TestDb& db = testdb::getTestDb();
    const double clone_ms = bench::us_since(start) / 1000.0;
    bench::use_bench_schema();
    TestContext& ctx = testdb::contexts::forFile(__FILE__);
    std::vector<double> samples;
    for (int i = -5; i < cases; ++i) {  // 5 warm-up cases
        start = bench::Clock::now();
        tenant_case(ctx);
        if (i >= 0) {
            samples.push_back(bench::us_since(start));
        }
    }
    start = bench::Clock::now();
    db.shutdown();
    const double drop_ms = bench::us_since(start) / 1000.0;
    std::ofstream(outfile) << json{{"template", tpl}, {"template_existed", template_existed},
                                   {"clone_ms", clone_ms}, {"shutdown_ms", drop_ms},
                                   {"per_test_us", bench::summary(samples)}}
                                  .dump();
    return 0;
}

json run_database_tier(const std::string& self, int cases) {
    std::vector<std::string> env;
    if (const testdb::EmbeddedServer* server = testdb::getTestDb().embeddedServer()) {
        env.push_back("DATABASE_URL_TEST=" + server->url());  // share the parent's server
    }
    const std::string out = "/tmp/testdb-bench-dbtier-" + testdb::runToken() + ".json";
    const bench::ChildResult child = bench::run_child(
        {self, "--database-tier-child", std::to_string(cases), out}, env, out + ".log");
    if (child.exit_status != 0) {
        throw std::runtime_error("database tier child failed (" + std::to_string(child.exit_status) +
                                 "): " + bench::read_text(out + ".log"));
    }
    json result = bench::read_json_file(out);
    std::remove(out.c_str());
    std::remove((out + ".log").c_str());
    return result;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const bench::Args args = bench::parse_args(argc, argv);
        if (args.rest.size() == 3 && args.rest[0] == "--database-tier-child") {
            return database_tier_child(std::stoi(args.rest[1]), args.rest[2]);
        }
        if (!args.rest.empty()) {
            std::fprintf(stderr, "usage: isolation_bench [--quick] [--json FILE]\n");
            return 2;
        }
        const int rounds = args.quick ? 2 : 10;
        const int per_round = args.quick ? 10 : 20;  // 200 cases per method in a full run
        const int clone_cases = args.quick ? 2 : 20;

        testdb::TestDb& db = testdb::getTestDb();
        bench::use_bench_schema();
        TestContext& ctx = testdb::contexts::forFile(__FILE__);
        const std::string conninfo = bench::conninfo("bench-baseline");
        pqxx::connection own(conninfo);  // the baselines' one long-lived connection

        // The database tier twice: the first process may build the template,
        // the second finds it (what every later run on the server sees).
        json tier_first = run_database_tier("/proc/self/exe", rounds * per_round);
        json tier = run_database_tier("/proc/self/exe", rounds * per_round);
        const std::string tpl = tier["template"];

        std::map<std::string, std::vector<double>> phases;
        using Method = std::function<void()>;
        const std::vector<std::pair<std::string, Method>> methods{
            {"tenant", [&] {
                 g_phases = &phases;
                 tenant_case(ctx);
                 g_phases = nullptr;
             }},
            {"rollback", [&] { rollback_case(ctx); }},
            {"bare_rollback", [&] { bare_rollback_case(own); }},
            {"truncate", [&] { truncate_case(own); }},
            {"connection_per_test", [&] { connection_case(conninfo); }}};
        std::map<std::string, std::vector<double>> samples;
        std::map<std::string, std::vector<double>> round_medians;
        for (const auto& [name, run] : methods) {  // warm caches and catalogs
            for (int i = 0; i < 5; ++i) run();
        }
        // Each round: first the cheap methods case by case in turn (A B C A
        // B C ..., order rotated every round) so that all of them meet the
        // same moment-to-moment noise; then the expensive baselines, whose
        // after-effects (backends exiting, autovacuum after TRUNCATE) would
        // otherwise land on whichever cheap method ran next; then a pause to
        // let that settle before the next round.
        const std::size_t cheap = 3;
        std::map<std::string, unsigned long long> statements;
        for (int r = 0; r < rounds; ++r) {
            std::map<std::string, std::vector<double>> round;
            const auto time_case = [&](const std::pair<std::string, Method>& method) {
                const auto before = testdb::harnessStatements();
                const auto start = bench::Clock::now();
                method.second();
                round[method.first].push_back(bench::us_since(start));
                statements[method.first] += testdb::harnessStatements() - before;
            };
            for (int i = 0; i < per_round; ++i) {
                for (std::size_t k = 0; k < cheap; ++k) {
                    time_case(methods[(k + static_cast<std::size_t>(r)) % cheap]);
                }
            }
            for (std::size_t m = cheap; m < methods.size(); ++m) {
                for (int i = 0; i < per_round; ++i) time_case(methods[m]);
            }
            for (const auto& [name, values] : round) {
                samples[name].insert(samples[name].end(), values.begin(), values.end());
                round_medians[name].push_back(bench::median(values));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(args.quick ? 50 : 500));
        }
        for (int i = 0; i < clone_cases; ++i) {  // slow: fewer cases, both strategies interleaved
            for (const auto& [name, strategy] :
                 {std::pair<std::string, std::string>{"clone_per_test", ""},
                  {"clone_per_test_file_copy", " STRATEGY FILE_COPY"}}) {
                const auto start = bench::Clock::now();
                clone_case(tpl, strategy);
                samples[name].push_back(bench::us_since(start));
            }
        }

        // Counting pass: one traced case per method, round trips on the wire.
        bench::WireCounter wire;
        std::map<std::string, long> trips;
        bench::trace_pool(db.pool(), wire.file());
        own.trace(wire.file());
        for (const auto& [name, run] : methods) {
            if (name == "connection_per_test") continue;  // its own connection: traced below
            wire.reset();
            run();
            trips[name] = wire.round_trips();
        }
        own.trace(nullptr);
        bench::trace_pool(db.pool(), nullptr);
        trips["connection_per_test"] = trips["bare_rollback"];  // + the start-up handshake

        json doc{{"bench", "isolation"}, {"title", "isolation_bench: per test case overhead"}};
        {
            pqxx::nontransaction tx(own);
            doc["server"] = {{"version", tx.exec("SHOW server_version")[0][0].c_str()},
                             {"fsync", tx.exec("SHOW fsync")[0][0].c_str()},
                             {"embedded", db.embeddedServer() != nullptr}};
        }
        const auto med = [&](const std::string& m) { return bench::median(samples[m]); };
        for (const auto& [name, values] : samples) {
            doc["methods"][name] = bench::summary(values);
            doc["methods"][name]["round_trips"] = trips.count(name) ? trips[name] : -1;
        }
        const double db_tier = tier["per_test_us"]["median"].get<double>() +
                               tier["clone_ms"].get<double>() * 1000.0 / kSuiteTests;
        doc["methods"]["database_tier"] = tier["per_test_us"];
        doc["methods"]["database_tier"]["median_with_clone"] = db_tier;
        doc["database_tier"] = {{"first_process", tier_first}, {"later_process", tier}};
        // Ratio of medians, and the range of the same ratio over the rounds.
        const auto ratio = [&](const std::string& a, const std::string& b) {
            std::vector<double> by_round;
            for (std::size_t r = 0; r < round_medians[a].size(); ++r) {
                by_round.push_back(round_medians[a][r] / round_medians[b][r]);
            }
            const auto [lo, hi] = std::minmax_element(by_round.begin(), by_round.end());
            return std::pair<double, std::string>(
                med(a) / med(b), by_round.empty() ? "" : bench::fmt("rounds %.2f", *lo) +
                                                             bench::fmt("..%.2f", *hi));
        };
        const double cases = rounds * per_round;
        const double harness_per_test = static_cast<double>(statements["tenant"]) / cases;
        json& rows = doc["rows"];
        for (const auto& [name, values] : phases) {
            doc["tenant_phases"][name] = bench::summary(values);
        }
        for (const auto& [label, m] : std::vector<std::pair<std::string, std::string>>{
                 {"tenant tier (testdb)", "tenant"},
                 {"rollback tier (testdb)", "rollback"},
                 {"bare ROLLBACK per test (baseline)", "bare_rollback"},
                 {"new connection per test (baseline)", "connection_per_test"},
                 {"TRUNCATE all 6 tables per test (baseline)", "truncate"},
                 {"CREATE DATABASE per test, WAL_LOG (baseline)", "clone_per_test"},
                 {"CREATE DATABASE per test, FILE_COPY (baseline)", "clone_per_test_file_copy"}}) {
            rows.push_back(bench::row(label + " median", med(m) / 1000.0, "ms",
                                      bench::fmt("p95 %.3f ms", bench::percentile(samples[m], 0.95) / 1000.0) +
                                          bench::fmt(" n=%.0f", static_cast<double>(samples[m].size()))));
        }
        for (const auto& [name, values] : phases) {  // where the tenant tier's time goes
            rows.push_back(bench::row("  tenant tier phase " + name + " median", bench::median(values) / 1000.0,
                                      "ms", bench::fmt("p95 %.3f ms", bench::percentile(values, 0.95) / 1000.0)));
        }
        rows.push_back(bench::row("database tier (testdb), in clone + clone/104", db_tier / 1000.0, "ms",
                                  bench::fmt("in clone %.3f ms", tier["per_test_us"]["median"].get<double>() / 1000.0)));
        rows.push_back(bench::row("  database tier start, first process (builds template)",
                                  tier_first["clone_ms"].get<double>(), "ms",
                                  tier_first["template_existed"].get<bool>() ? "template existed" : ""));
        rows.push_back(bench::row("  database tier start, later process (clone only)",
                                  tier["clone_ms"].get<double>(), "ms"));
        rows.push_back(bench::row("  shutdown() incl. DROP DATABASE of the clone",
                                  tier["shutdown_ms"].get<double>(), "ms"));
        const auto [vs_bare, vs_bare_spread] = ratio("tenant", "bare_rollback");
        rows.push_back(bench::row("ratio tenant / bare ROLLBACK", vs_bare, "x", vs_bare_spread));
        const auto [conn, conn_spread] = ratio("connection_per_test", "tenant");
        rows.push_back(bench::row("ratio connection-per-test / tenant", conn, "x", conn_spread));
        const auto [trunc, trunc_spread] = ratio("truncate", "tenant");
        rows.push_back(bench::row("ratio TRUNCATE / tenant", trunc, "x", trunc_spread));
        const double clone = std::min(med("clone_per_test"), med("clone_per_test_file_copy")) / med("tenant");
        rows.push_back(bench::row("ratio clone-per-test (faster strategy) / tenant", clone, "x"));
        const long added = trips["tenant"] - 2;  // the body's own: createMany INSERT + SELECT
        rows.push_back(bench::row("round trips per test, tenant tier (wire)",
                                  static_cast<double>(trips["tenant"]), "", "body's own: 2"));
        rows.push_back(
            bench::row("round trips the harness adds, tenant tier", static_cast<double>(added), ""));
        rows.push_back(bench::row("round trips per test, rollback tier (wire)",
                                  static_cast<double>(trips["rollback"]), "",
                                  bench::fmt("bare ROLLBACK: %.0f", static_cast<double>(trips["bare_rollback"]))));
        rows.push_back(bench::row("harnessStatements() per test, tenant tier", harness_per_test, "",
                                  "incl. createMany"));
        doc["round_trips"] = trips;
        doc["cases_per_method"] = cases;
        doc["clone_cases"] = clone_cases;
        db.shutdown();
        bench::finish(args, doc);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "isolation_bench: %s\n", e.what());
        return 1;
    }
}

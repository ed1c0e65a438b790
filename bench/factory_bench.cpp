// factory_bench: Factory::createMany(n) (one multi-row INSERT, one round
// trip) against the same rows made one by one with Factory::create(), in
// autocommit (n round trips, n commits) and inside one transaction (n + 2
// round trips, one commit). Same factory, same row generation, same SQL
// shape: only the batching differs. Measured on the suite's server (the
// embedded one runs with fsync off) and, in a child process, on a server
// with durable commits. Prints figures; asserts nothing.
//
//   factory_bench [--quick] [--json FILE]
#include <fstream>
#include <functional>
#include <map>

#include <pqxx/pqxx>

#include "bench_common.hpp"

namespace {

using bench::json;

const testdb::Factory& packages() {
    static const testdb::Factory factory = testdb::Factory("bench_packages", "package")
                                               .slugColumn("slug")
                                               .column("name", "Package")
                                               .column("price_cents", "1000");
    return factory;
}

using Method = std::function<void(const testdb::Tenant&, int)>;

const std::vector<std::pair<std::string, Method>>& methods() {
    static const std::vector<std::pair<std::string, Method>> all{
        {"createMany", [](const testdb::Tenant& t, int n) { packages().createMany(t, n); }},
        {"one_by_one_autocommit",
         [](const testdb::Tenant& t, int n) {
             for (int i = 0; i < n; ++i) packages().create(t);
         }},
        {"one_by_one_transaction", [](const testdb::Tenant& t, int n) {
             testdb::withTransaction([&](testdb::Transaction& tx) {
                 for (int i = 0; i < n; ++i) packages().create(tx, t);
             });
         }}};
    return all;
}

// Measures createMany(n) against one by one for n = 50 and 1000 on the
// process's server; `label` ("fsync off", ...) goes into every row name.
json measure(bool quick, const std::string& label, const std::vector<int>& sizes) {
    testdb::TestDb& db = testdb::getTestDb();
    bench::use_bench_schema();
    testdb::TestContext& ctx = testdb::contexts::forFile(__FILE__);
    testdb::contexts::setCurrent(&ctx);
    const testdb::Tenant& tenant = ctx.tenants.tenantA.create();
    json doc;
    json& rows = doc["rows"];
    bench::WireCounter wire;
    // Keeps the table small so later inserts do not get slower (index
    // growth); never timed.
    const auto clear = [&] {
        testdb::withConnection([&](pqxx::connection& conn) {
            pqxx::nontransaction(conn).exec("DELETE FROM bench_packages WHERE tenant_id = " +
                                            tenant.id());
        });
    };
    for (const int n : sizes) {
        const int reps = quick ? 2 : (n == 50 ? 30 : 8);
        std::map<std::string, std::vector<double>> ms;
        for (int r = -1; r < reps; ++r) {  // r = -1: warm-up
            for (const auto& [name, run] : methods()) {  // interleaved: same noise for all
                const auto start = bench::Clock::now();
                run(tenant, n);
                const double elapsed = bench::us_since(start) / 1000.0;
                if (r >= 0) ms[name].push_back(elapsed);
                clear();
            }
        }
        std::map<std::string, long> trips;  // counting pass, traced
        bench::trace_pool(db.pool(), wire.file());
        for (const auto& [name, run] : methods()) {
            wire.reset();
            run(tenant, n);
            trips[name] = wire.round_trips();
            clear();
        }
        bench::trace_pool(db.pool(), nullptr);
        const std::string key = std::to_string(n);
        for (const auto& [name, values] : ms) {
            doc["results"][key][name] = bench::summary(values);
            doc["results"][key][name]["round_trips"] = trips[name];
        }
        const double many = bench::median(ms["createMany"]);
        const double auto_ms = bench::median(ms["one_by_one_autocommit"]);
        const double tx_ms = bench::median(ms["one_by_one_transaction"]);
        const auto spread = [&](const std::string& m) {
            return bench::fmt("p95 %.2f ms", bench::percentile(ms[m], 0.95)) +
                   bench::fmt(" n=%.0f", static_cast<double>(ms[m].size()));
        };
        const std::string tag = " [" + label + "]";
        rows.push_back(bench::row("createMany(" + key + ")" + tag, many, "ms", spread("createMany")));
        rows.push_back(bench::row(key + " x create(), autocommit" + tag, auto_ms, "ms",
                                  spread("one_by_one_autocommit")));
        rows.push_back(bench::row(key + " x create(tx), one transaction" + tag, tx_ms, "ms",
                                  spread("one_by_one_transaction")));
        rows.push_back(bench::row("ratio autocommit one by one / createMany(" + key + ")" + tag,
                                  auto_ms / many, "x"));
        rows.push_back(bench::row("ratio one transaction / createMany(" + key + ")" + tag,
                                  tx_ms / many, "x"));
        rows.push_back(bench::row("round trips of createMany(" + key + ") (wire)" + tag,
                                  static_cast<double>(trips["createMany"]), "",
                                  bench::fmt("one by one: %.0f",
                                             static_cast<double>(trips["one_by_one_autocommit"]))));
    }
    ctx.tenants.cleanupTenants();
    testdb::contexts::setCurrent(nullptr);
    db.shutdown();
    return doc;
}

}  // namespace

int main(int argc, char** argv) {
    const bench::Args args = bench::parse_args(argc, argv);
    const bool child = args.rest.size() == 2 && args.rest[0] == "--durable-child";
    if (!args.rest.empty() && !child) {
        std::fprintf(stderr, "usage: factory_bench [--quick] [--json FILE]\n");
        return 2;
    }
    try {
        if (child) {
            // Quick: 1000 durable commits alone take seconds; 50 show the point.
            const std::vector<int> sizes = args.quick ? std::vector<int>{50} : std::vector<int>{50, 1000};
            std::ofstream(args.rest[1]) << measure(args.quick, "fsync on", sizes).dump();
            return 0;
        }
        const bool embedded = testdb::loadConfig().source == testdb::ConfigSource::Embedded;
        json doc = measure(args.quick, embedded ? "fsync off" : "configured", {50, 1000});
        doc["bench"] = "factory";
        doc["title"] = "factory_bench: rows for one tenant";
        // The same in a child process against a server that makes every
        // commit durable (PostgreSQL's defaults, as on most configured
        // servers): there, each autocommit INSERT waits for a WAL flush.
        testdb::EmbeddedServerOptions durable;
        durable.settings = {"fsync=on", "synchronous_commit=on", "full_page_writes=on"};
        testdb::EmbeddedServer server = testdb::EmbeddedServer::start(durable);
        const std::string out = "/tmp/testdb-bench-factory-" + testdb::runToken() + ".json";
        std::vector<std::string> child_args{"/proc/self/exe", "--durable-child", out};
        if (args.quick) child_args.push_back("--quick");
        const bench::ChildResult result =
            bench::run_child(child_args, {"DATABASE_URL_TEST=" + server.url()}, out + ".log");
        if (result.exit_status != 0) {
            throw std::runtime_error("durable-server child failed; see " + out + ".log");
        }
        const json durable_doc = bench::read_json_file(out);
        doc["durable"] = durable_doc["results"];
        for (const json& r : durable_doc["rows"]) doc["rows"].push_back(r);
        std::remove(out.c_str());
        std::remove((out + ".log").c_str());
        bench::finish(args, doc);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "factory_bench: %s\n", e.what());
        return 1;
    }
}

// The rollback and database tiers, checked from outside: child suites run
// against this process's server, and this test inspects what they left.
#include <thread>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "adapter_suites.hpp"
#include "child_process.hpp"
#include "testdb/testdb.hpp"

using Catch::Matchers::Contains;

namespace {

std::map<std::string, std::string> child_env(const std::string& token,
                                             const std::string& isolation = "") {
    std::map<std::string, std::string> env{
        {"DATABASE_URL_TEST", testdb::getTestDb().config().libpq_url},
        {"TESTDB_RUN_TOKEN", token}};
    if (!isolation.empty()) {
        env["TESTDB_ISOLATION"] = isolation;
    }
    return env;
}

long long scalar(const std::string& sql) {
    return testdb::withTransaction(
        [&](testdb::Transaction& tx) { return testdb::queryRow(tx, sql)[0].as<long long>(); });
}

long long databases_named(const std::string& pattern) {
    return scalar("SELECT count(*) FROM pg_database WHERE datname LIKE '" + pattern + "'");
}

// Runs DROP/CREATE DATABASE, which cannot run inside a transaction block.
void admin(const std::string& sql) {
    testdb::withConnection([&](pqxx::connection& conn) { pqxx::nontransaction(conn).exec(sql); });
}

}  // namespace

TEST_CASE("rollback tier: savepoints, misuse errors and [commits] all behave",
          "[isolation][rollback]") {
    const selftest::AdapterSuites suites = GENERATE(from_range(selftest::adapterSuites()));
    INFO("adapter: " << suites.framework);
    const child::Result run =
        child::run(suites.rollback, "-r compact '~[ends-transaction]'", child_env("rbok"));
    INFO(run.output);
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.output, Contains("testdb: 13/13 tests passed"));
    CHECK(scalar("SELECT count(*) FROM tenants WHERE slug LIKE '%-rbok'") == 0);
}

TEST_CASE("rollback tier: a test that commits the transaction fails, and its rows go",
          "[isolation][rollback]") {
    const selftest::AdapterSuites suites = GENERATE(from_range(selftest::adapterSuites()));
    INFO("adapter: " << suites.framework);
    const child::Result run =
        child::run(suites.rollback, "-r compact '[ends-transaction]'", child_env("rbcommit"));
    INFO(run.output);
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.output, Contains("ended the rollback tier's transaction itself"));
    CHECK(scalar("SELECT count(*) FROM tenants WHERE slug LIKE '%-rbcommit'") == 0);
}

TEST_CASE("database tier: a clone per run, dropped at the end; stale clones swept",
          "[isolation][database]") {
    admin("DROP DATABASE IF EXISTS testdb_run_dead01");
    admin("CREATE DATABASE testdb_run_dead01");  // a crashed run's leftover
    const child::Result run =
        child::run(TESTDB_GOOD_SUITE, "-r compact", child_env("dbtier1", "database"));
    INFO(run.output);
    CHECK(run.exit_code == 0);
    CHECK(databases_named("testdb_run_dbtier1") == 0);
    CHECK(databases_named("testdb_run_dead01") == 0);
    CHECK(scalar("SELECT count(*) FROM pg_database WHERE datname LIKE 'testdb_tpl_%' AND "
                 "datistemplate") >= 1);
}

TEST_CASE("database tier: two processes building one template at once both pass",
          "[isolation][database]") {
    // Remove the template so both processes race to build it.
    testdb::withConnection([](pqxx::connection& conn) {
        pqxx::nontransaction tx(conn);
        for (const auto& row :
             tx.exec("SELECT datname FROM pg_database WHERE datname LIKE 'testdb_tpl_%'")) {
            const std::string name = conn.quote_name(row[0].c_str());
            tx.exec("ALTER DATABASE " + name + " WITH IS_TEMPLATE false");
            tx.exec("DROP DATABASE " + name);
        }
    });
    child::Result first;
    child::Result second;
    std::thread a([&] {
        first = child::run(TESTDB_GOOD_SUITE, "-r compact", child_env("dbrace1", "database"));
    });
    std::thread b([&] {
        second = child::run(TESTDB_GOOD_SUITE, "-r compact", child_env("dbrace2", "database"));
    });
    a.join();
    b.join();
    INFO(first.output);
    INFO(second.output);
    CHECK(first.exit_code == 0);
    CHECK(second.exit_code == 0);
    CHECK(databases_named("testdb_run_dbrace%") == 0);
    CHECK(databases_named("testdb_tpl_%") == 1);
}

TEST_CASE("an unknown TESTDB_ISOLATION stops the run with a clear error", "[isolation]") {
    const child::Result run =
        child::run(TESTDB_GOOD_SUITE, "-r compact", child_env("badtier", "snapshot"));
    INFO(run.output);
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.output, Contains("snapshot") && Contains("tenant") && Contains("rollback") &&
                               Contains("database"));
}

// The suite `testdb run` is tested with (tests/cli/run_test.sh). The
// default test cases use the pool from several threads at once; the hidden
// ones ([.fail], [.overflow], [.sleep]) misbehave on purpose, one way each.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "testdb/catch2.hpp"
#include "testdb/context.hpp"
#include "testdb/factory.hpp"
#include "testdb/testdb.hpp"

namespace {

const testdb::Factory widgets = testdb::Factory("widgets", "widget").slugColumn("slug");

long long widgets_of(const testdb::Tenant& tenant) {
    return testdb::withTransaction([&](pqxx::work& tx) {
        return testdb::queryRow(tx, "SELECT count(*) FROM widgets WHERE tenant_id = " + tenant.id())[0]
            .as<long long>();
    });
}

}  // namespace

TEST_CASE("tiny: six threads share the pool of three", "[tiny]") {
    auto& tenant = testdb::context().tenants.tenantA.create();
    std::vector<std::thread> threads;
    for (int i = 0; i < 6; ++i) {
        threads.emplace_back([&tenant] {
            testdb::withTransaction([&](pqxx::work& tx) {
                tx.exec("SELECT pg_sleep(0.2)");
                widgets.create(tx, tenant);
            });
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    CHECK(widgets_of(tenant) == 6);
}

TEST_CASE("tiny: tenants see only their own rows", "[tiny]") {
    auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto& b = ctx.tenants.tenantB.create();
    widgets.createMany(a, 5);
    widgets.createMany(b, 2);
    CHECK(widgets_of(a) == 5);
    CHECK(widgets_of(b) == 2);
}

TEST_CASE("tiny: fails on purpose", "[.fail]") {
    widgets.createMany(testdb::context().tenants.tenantA.create(), 1);
    FAIL_CHECK("failing on purpose");
}

TEST_CASE("tiny: opens connections behind the pool's back", "[.overflow]") {
    auto& db = testdb::getTestDb();
    const std::string conninfo = db.config().connectionString(db.runToken());
    std::vector<std::unique_ptr<pqxx::connection>> raw;  // testdb-lint: allow raw-connection
    for (int i = 0; i < 4; ++i) {
        raw.push_back(
            std::make_unique<pqxx::connection>(conninfo));  // testdb-lint: allow raw-connection
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(400));  // let the sampler see them
    CHECK(raw.size() == 4);
}

TEST_CASE("tiny: waits to be interrupted", "[.sleep]") {
    if (const char* marker = std::getenv("TESTDB_CLI_MARKER")) {
        std::ofstream(marker) << "sleeping\n";
    }
    testdb::withTransaction([](pqxx::work& tx) { tx.exec("SELECT 1"); });
    for (int i = 0; i < 600; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL("was not interrupted within 60 s");
}

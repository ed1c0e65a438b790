// The rollback-tier suite (ISOLATION rollback): each test case runs in one
// transaction that is rolled back, withTransaction() is a SAVEPOINT, and
// misuse is a clear IsolationError. tests/integration/isolation_test.cpp
// runs it as a child process; [ends-transaction] fails on purpose.
#include <thread>

#include "../support.hpp"

TEST_CASE("rollback: rows made by a test are visible inside it", "[rollback]") {
    auto& ctx = testdb::context();
    selftest::items.createMany(ctx.tenants.tenantA, 4);
    CHECK(selftest::items_of(ctx.tenants.tenantA) == 4);
}

TEST_CASE("rollback: ...and gone in the next test, with no DELETE", "[rollback]") {
    selftest::check_starts_clean();
}

TEST_CASE("rollback: a failing withTransaction undoes only its own savepoint", "[rollback]") {
    auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    selftest::items.create(a);
    CHECK_THROWS_AS(testdb::withTransaction([&](testdb::Transaction& tx) {
                        selftest::items.create(tx, a);
                        tx.exec("SELECT 1/0");  // division by zero: an SQL error
                    }),
                    pqxx::data_exception);
    // The test's transaction goes on: the first row is there, the second not.
    CHECK(selftest::items_of(a) == 1);
}

TEST_CASE("rollback: a constraint error from a factory does not abort the test", "[rollback]") {
    auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    const auto row = selftest::items.create(a);
    CHECK_THROWS_AS(selftest::items.create(a, {{"slug", row.at("slug")}}),
                    pqxx::unique_violation);
    CHECK(selftest::items_of(a) == 1);
}

TEST_CASE("rollback: a second lease while one is held is an IsolationError", "[rollback]") {
    testdb::Lease held = testdb::getTestDb().acquire("first");
    CHECK(held.nested());
    CHECK_THROWS_WITH(testdb::getTestDb().acquire("second"),
                      Catch::Contains("IsolationError") && Catch::Contains("\"second\"") &&
                          Catch::Contains("\"first\"") && Catch::Contains("[commits]"));
}

TEST_CASE("rollback: a lease from another thread is an IsolationError", "[rollback]") {
    std::string error;
    std::thread other([&] {
        try {
            testdb::withTransaction([](testdb::Transaction& tx) { tx.exec("SELECT 1"); },
                                    "from a thread");
        } catch (const testdb::IsolationError& e) {
            error = e.what();
        }
    });
    other.join();
    CHECK_THAT(error, Catch::Contains("another thread") && Catch::Contains("\"from a thread\""));
}

TEST_CASE("rollback: a pqxx::work& function is refused, not committed", "[rollback]") {
    CHECK_THROWS_AS(testdb::withTransaction([](pqxx::work& tx) { tx.exec("SELECT 1"); }),
                    testdb::IsolationError);
}

TEST_CASE("rollback: a [commits] test runs in the tenant tier with real threads",
          "[rollback][commits]") {
    auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] { selftest::items.create(a); });
    }
    for (auto& t : threads) {
        t.join();
    }
    CHECK(selftest::items_of(a) == 4);
}

TEST_CASE("rollback: the [commits] test was cleaned up by DELETE", "[rollback]") {
    selftest::check_starts_clean();
}

TEST_CASE("rollback: a test that commits the tier's transaction is reported",
          "[ends-transaction]") {
    auto& ctx = testdb::context();
    selftest::items.createMany(ctx.tenants.tenantA, 2);
    testdb::withConnection(
        [](pqxx::connection& conn) { pqxx::nontransaction(conn).exec("COMMIT"); });
}

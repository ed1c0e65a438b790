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

namespace {

// The README's pattern: a repository helper that needs the tenant's id
// inside its own transaction, before the test created the tenant.
long long insert_item_for(testdb::Transaction& tx, const testdb::Tenant& tenant,
                          const std::string& slug) {
    return testdb::queryValue<long long>(
        tx, "INSERT INTO items (tenant_id, slug) VALUES ($1, $2) RETURNING id", tenant.id(), slug);
}

}  // namespace

TEST_CASE("rollback: tenant.id() first used inside withTransaction joins the test's transaction",
          "[rollback]") {
    auto& ctx = testdb::context();
    REQUIRE_FALSE(ctx.tenants.tenantA.created());
    testdb::withTransaction(
        [&](testdb::Transaction& tx) { insert_item_for(tx, ctx.tenants.tenantA, "lazy"); });
    CHECK(ctx.tenants.tenantA.created());
    CHECK(selftest::items_of(ctx.tenants.tenantA) == 1);
    // A factory inside the transaction may create the tenant too.
    testdb::withTransaction([&](testdb::Transaction& tx) {
        selftest::items.create(tx, ctx.tenants.tenantB);
        selftest::items.create(ctx.tenants.tenantB);
    });
    CHECK(selftest::items_of(ctx.tenants.tenantB) == 2);
}

TEST_CASE("rollback: a tenant made in a savepoint that was rolled back is made again",
          "[rollback]") {
    auto& ctx = testdb::context();
    CHECK_THROWS_AS(testdb::withTransaction([&](testdb::Transaction& tx) {
                        insert_item_for(tx, ctx.tenants.tenantA, "undone");
                        tx.exec("SELECT 1/0");
                    }),
                    pqxx::data_exception);
    CHECK_FALSE(ctx.tenants.tenantA.created());
    // Its row went with the savepoint; the next use makes a new one.
    selftest::items.create(ctx.tenants.tenantA);
    CHECK(selftest::items_of(ctx.tenants.tenantA) == 1);
}

TEST_CASE("rollback: withTransaction inside withTransaction nests as a savepoint", "[rollback]") {
    auto& ctx = testdb::context();
    const auto& a = ctx.tenants.tenantA.create();
    testdb::withTransaction([&](testdb::Transaction& outer) {
        insert_item_for(outer, a, "outer");
        testdb::withTransaction(
            [&](testdb::Transaction& inner) { insert_item_for(inner, a, "inner-kept"); });
        CHECK_THROWS_AS(testdb::withTransaction([&](testdb::Transaction& inner) {
                            insert_item_for(inner, a, "inner-undone");
                            inner.exec("SELECT 1/0");
                        }),
                        pqxx::data_exception);
        // The outer transaction goes on after the inner one failed.
        CHECK(testdb::queryValue<long long>(outer, "SELECT count(*) FROM items WHERE tenant_id = $1",
                                            a.id()) == 2);
    });
    CHECK(selftest::count_rows("items", "tenant_id = " + a.id() + " AND slug LIKE 'inner%'") == 1);
    CHECK(selftest::items_of(a) == 2);
}

TEST_CASE("rollback: an error the caller causes names the caller's file and line", "[rollback]") {
    auto& ctx = testdb::context();
    testdb::Lease held = testdb::getTestDb().acquire("holds the test's connection");
    // Each check on one line: GCC and clang disagree on the line a default
    // SourceLocation argument reports inside a multi-line macro invocation.
    const std::string file = "rollback_tier_test.cpp:";
    const int line = __LINE__ + 1;
    CHECK_THROWS_WITH(selftest::items.create(ctx.tenants.tenantA), testdb::containsText("IsolationError") && testdb::containsText(file + std::to_string(line)));
    CHECK_THROWS_WITH(ctx.tenants.tenantB.id(), testdb::containsText(file + std::to_string(line + 1)));
}

TEST_CASE("rollback: a second lease while one is held is an IsolationError", "[rollback]") {
    testdb::Lease held = testdb::getTestDb().acquire("first");
    CHECK(held.nested());
    CHECK_THROWS_WITH(testdb::getTestDb().acquire("second"),
                      testdb::containsText("IsolationError") && testdb::containsText("\"second\"") &&
                          testdb::containsText("\"first\"") && testdb::containsText("[commits]"));
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
    CHECK_THAT(error, testdb::containsText("another thread") && testdb::containsText("\"from a thread\""));
}

TEST_CASE("rollback: a pqxx::work& function is refused, not committed", "[rollback]") {
    CHECK_THROWS_AS(testdb::withTransaction([](pqxx::work& tx) { tx.exec("SELECT 1"); }),
                    testdb::IsolationError);
    const std::string at = "rollback_tier_test.cpp:" + std::to_string(__LINE__ + 1);  // one line: see above
    CHECK_THROWS_WITH(testdb::withTransaction([](pqxx::work& tx) { tx.exec("SELECT 1"); }), testdb::containsText(at));
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

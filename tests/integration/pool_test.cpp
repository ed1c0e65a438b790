// The shared bounded pool against a real PostgreSQL (embedded unless
// DATABASE_URL_TEST is set). Tests that need other pool settings build their
// own testdb::Pool from a copy of getTestDb().config(): a Config is a value.
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "testdb/testdb.hpp"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

testdb::Config config_with(std::chrono::milliseconds pool_timeout, int limit = 3) {
    testdb::Config config = testdb::getTestDb().config();
    config.pool_timeout = pool_timeout;
    config.connection_limit = limit;
    return config;
}

int backends_of(pqxx::connection& conn, const std::string& application_name) {
    pqxx::nontransaction tx(conn);
    return testdb::queryRow(tx, "SELECT count(*)::int FROM pg_stat_activity WHERE application_name = $1",
                           application_name)[0]
        .as<int>();
}

}  // namespace

TEST_CASE("every translation unit sees the same getTestDb()", "[pool]") {
    testdb::TestDb& first = testdb::getTestDb();
    testdb::TestDb& second = testdb::getTestDb();
    CHECK(&first == &second);
    CHECK(first.config().connection_limit == 3);
    CHECK(first.runToken().size() == 6);
}

TEST_CASE("8 threads x 100 acquires never open more than 3 server backends", "[pool][threads]") {
    testdb::Pool pool(config_with(30s), "threads");
    const std::string app = pool.applicationName();
    std::atomic<int> most_seen{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 100; ++i) {
                try {
                    testdb::Lease lease = pool.acquire("thread " + std::to_string(t));
                    if (i % 10 == 0) {  // ask the server itself, now and then
                        int seen = backends_of(lease.connection(), app);
                        int prev = most_seen.load();
                        while (seen > prev && !most_seen.compare_exchange_weak(prev, seen)) {
                        }
                    }
                } catch (const std::exception&) {
                    ++failures;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    const testdb::PoolStats stats = pool.stats();
    CHECK(failures == 0);
    CHECK(stats.acquires == 800);
    CHECK(stats.opened <= 3);
    CHECK(stats.peak_in_use <= 3);
    CHECK(most_seen >= 1);
    CHECK(most_seen <= 3);
    CHECK(stats.in_use == 0);
    INFO("waits " << stats.waits << ", max wait " << stats.max_wait.count() << " ns");
    testdb::Lease check = pool.acquire("after the storm");
    CHECK(backends_of(check.connection(), app) <= 3);
}

TEST_CASE("PoolTimeout names the limit and each holder's label and file:line", "[pool][timeout]") {
    testdb::Pool pool(config_with(1s, 1), "timeout");
    testdb::Lease held = pool.acquire("holds the only connection");
    const int held_line = __LINE__ - 1;
    std::string message;
    std::thread other([&] {
        try {
            pool.acquire("second caller");
        } catch (const testdb::PoolTimeout& e) {
            message = e.what();
        }
    });
    other.join();
    REQUIRE_FALSE(message.empty());
    CHECK_THAT(message, Contains("limit 1"));
    CHECK_THAT(message, Contains("1 in use"));
    CHECK_THAT(message, Contains("\"holds the only connection\""));
    CHECK_THAT(message, Contains("pool_test.cpp:" + std::to_string(held_line)));
    CHECK_THAT(message, Contains("Fix:"));
    CHECK(pool.stats().timeouts == 1);
}

TEST_CASE("PoolTimeout carries its holders, limit and timeout as data", "[pool][timeout][errors]") {
    testdb::Pool pool(config_with(300ms, 2), "timeout-facts");
    testdb::Lease first = pool.acquire("first holder");
    const int first_line = __LINE__ - 1;
    testdb::Lease second = pool.acquire("second holder");
    second.setInTransaction(true);
    std::optional<testdb::PoolTimeout> timeout;
    std::thread other([&] {
        try {
            pool.acquire("waits in vain");
        } catch (const testdb::PoolTimeout& e) {
            timeout = e;
        }
    });
    other.join();
    REQUIRE(timeout);
    CHECK(timeout->limit() == 2);
    CHECK(timeout->timeout() == 300ms);
    const std::vector<testdb::LeaseHolder>& holders = timeout->holders();
    REQUIRE(holders.size() == 2);
    const auto by_label = [&](const std::string& label) {
        for (const testdb::LeaseHolder& h : holders) {
            if (h.label == label) return h;
        }
        FAIL("no holder " << label);
        return testdb::LeaseHolder{};
    };
    const testdb::LeaseHolder a = by_label("first holder");
    CHECK_THAT(a.file, Contains("pool_test.cpp"));
    CHECK(a.line == first_line);
    CHECK_FALSE(a.in_transaction);
    // Held at least as long as the caller waited for it.
    CHECK(a.held_for >= timeout->timeout());
    CHECK(by_label("second holder").in_transaction);
    // The same facts as the message gives.
    CHECK_THAT(timeout->what(), Contains("\"first holder\" at " + a.file + ":" +
                                         std::to_string(a.line)));
}

TEST_CASE("a wait that ended in PoolTimeout is counted as a wait, with its duration",
          "[pool][timeout]") {
    testdb::Pool pool(config_with(200ms, 1), "timeout-wait");
    testdb::Lease held = pool.acquire("holds the only connection");
    std::thread other([&] { CHECK_THROWS_AS(pool.acquire("waits in vain"), testdb::PoolTimeout); });
    other.join();
    const testdb::PoolStats stats = pool.stats();
    CHECK(stats.timeouts == 1);
    CHECK(stats.waits == 1);
    // The caller waited the whole pool_timeout before giving up.
    CHECK(stats.max_wait >= 200ms);
    CHECK(stats.total_wait == stats.max_wait);
}

TEST_CASE("a thread holding every connection gets PoolDeadlock at once, not a wait",
          "[pool][deadlock]") {
    testdb::Pool pool(config_with(600s), "deadlock");
    testdb::Lease a = pool.acquire("a");
    testdb::Lease b = pool.acquire("b");
    testdb::Lease c = pool.acquire("c");
    // With pool_timeout=600 s, a wait here would hang the suite.
    REQUIRE_THROWS_MATCHES(pool.acquire("fourth"), testdb::PoolDeadlock,
                           Catch::Matchers::Predicate<testdb::PoolDeadlock>([](const auto& e) {
                               const std::string m = e.what();
                               return m.find("\"fourth\"") != std::string::npos &&
                                      m.find("all 3") != std::string::npos &&
                                      m.find("\"a\"") != std::string::npos;
                           }));
    CHECK(pool.stats().deadlocks == 1);
    try {
        pool.acquire("fifth");
        FAIL("no PoolDeadlock");
    } catch (const testdb::PoolDeadlock& e) {
        CHECK(e.limit() == 3);
        REQUIRE(e.holders().size() == 3);
        for (const testdb::LeaseHolder& h : e.holders()) {
            CHECK((h.label == "a" || h.label == "b" || h.label == "c"));
            CHECK_THAT(h.file, Contains("pool_test.cpp"));
        }
    }
    c.release();
    CHECK_NOTHROW(pool.acquire("after release"));
}

TEST_CASE("waiters are served first come, first served", "[pool][fifo]") {
    testdb::Pool pool(config_with(30s, 1), "fifo");
    testdb::Lease gate = pool.acquire("gate");
    std::mutex order_mutex;
    std::vector<int> order;
    std::vector<std::thread> waiters;
    for (int i = 0; i < 4; ++i) {
        waiters.emplace_back([&, i] {
            testdb::Lease lease = pool.acquire("waiter " + std::to_string(i));
            std::lock_guard<std::mutex> lock(order_mutex);
            order.push_back(i);
        });
        // Let each waiter join the queue before the next one arrives.
        while (pool.stats().waiting < i + 1) {
            std::this_thread::sleep_for(1ms);
        }
    }
    gate.release();
    for (auto& waiter : waiters) {
        waiter.join();
    }
    CHECK(order == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("a terminated backend is replaced on the next acquire", "[pool][broken]") {
    testdb::Pool pool(config_with(10s), "terminate");
    int victim_pid = 0;
    {
        testdb::Lease victim = pool.acquire("victim");
        victim_pid = victim.backendPid();
        testdb::Lease killer = pool.acquire("killer");
        pqxx::nontransaction tx(killer.connection());
        testdb::query(tx, "SELECT pg_terminate_backend($1)", victim_pid);
        // The holder sees libpqxx's error when it next uses the connection.
        CHECK_THROWS_AS(pqxx::nontransaction(victim.connection()).exec("SELECT 1"),
                        pqxx::broken_connection);
    }
    // Holding all three at once uses every slot, the broken one included.
    std::vector<testdb::Lease> all;
    for (int i = 0; i < 3; ++i) {
        all.push_back(pool.acquire("after"));
        CHECK(testdb::queryValue<int>(pqxx::nontransaction(all.back().connection()), "SELECT 1") == 1);
        CHECK(all.back().backendPid() != victim_pid);
    }
    CHECK(pool.stats().replaced == 1);
}

TEST_CASE("an idle connection terminated behind the pool's back is replaced",
          "[pool][broken]") {
    testdb::Pool pool(config_with(10s, 2), "idle-terminate");
    int idle_pid = 0;
    {
        testdb::Lease first = pool.acquire("first");
        idle_pid = first.backendPid();
    }
    {
        testdb::Lease killer = pool.acquire("killer");
        REQUIRE(killer.backendPid() == idle_pid);  // the idle one is reused first
        testdb::Lease second = pool.acquire("second");
        testdb::query(pqxx::nontransaction(second.connection()),
                      "SELECT pg_terminate_backend($1)", idle_pid);
        // "killer" holds the victim itself here; release it without using it.
    }
    std::this_thread::sleep_for(100ms);  // the server closes the socket
    testdb::Lease fresh = pool.acquire("fresh");
    CHECK(testdb::queryValue<int>(pqxx::nontransaction(fresh.connection()), "SELECT 1") == 1);
    CHECK(pool.stats().replaced == 1);
}

TEST_CASE("an exception inside withTransaction rolls back and keeps the connection",
          "[pool][transaction]") {
    testdb::withTransaction([](testdb::Transaction& tx) {
        tx.exec("CREATE TABLE IF NOT EXISTS pool_test_rows (id int PRIMARY KEY)");
        tx.exec("DELETE FROM pool_test_rows");
    });
    const auto opened_before = testdb::getTestDb().pool().stats().opened;
    CHECK_THROWS_WITH(testdb::withTransaction([](testdb::Transaction& tx) {
                          tx.exec("INSERT INTO pool_test_rows VALUES (1)");
                          throw std::runtime_error("boom");
                      }),
                      "boom");
    // An SQL error (a unique violation a test expects) costs no reconnect either.
    testdb::withTransaction([](testdb::Transaction& tx) { tx.exec("INSERT INTO pool_test_rows VALUES (2)"); });
    CHECK_THROWS_AS(testdb::withTransaction([](testdb::Transaction& tx) {
                        tx.exec("INSERT INTO pool_test_rows VALUES (2)");
                    }),
                    pqxx::unique_violation);
    const int rows = testdb::withTransaction([](testdb::Transaction& tx) {
        return testdb::queryRow(tx, "SELECT count(*)::int FROM pool_test_rows WHERE id = 1")[0].as<int>();
    });
    CHECK(rows == 0);
    CHECK(testdb::getTestDb().pool().stats().opened == opened_before);
    testdb::withConnection([](pqxx::connection& conn) {
        pqxx::nontransaction(conn).exec("DROP TABLE pool_test_rows");
    });
}

TEST_CASE("a lease given back inside an open transaction is rolled back", "[pool][transaction]") {
    testdb::Pool pool(config_with(5s, 1), "left-open");
    {
        testdb::Lease lease = pool.acquire("forgets to commit");
        pqxx::nontransaction(lease.connection()).exec("BEGIN");
    }
    testdb::Lease next = pool.acquire("next");
    // A fresh transaction would fail ("already in a transaction") otherwise.
    CHECK_NOTHROW(pqxx::work(next.connection()).exec("SELECT 1"));
    CHECK(pool.stats().rolled_back == 1);
    CHECK(pool.stats().opened == 1);
}

TEST_CASE("shutdown twice is a no-op and reports leases still out", "[pool][shutdown]") {
    auto pool = std::make_unique<testdb::Pool>(config_with(5s), "shutdown");
    testdb::Lease kept = pool->acquire("keeps its lease");
    { testdb::Lease returned = pool->acquire("gives it back"); }
    const testdb::ShutdownReport first = pool->shutdown();
    CHECK_FALSE(first.already_shut_down);
    REQUIRE(first.outstanding.size() == 1);
    CHECK(first.outstanding[0].label == "keeps its lease");
    const testdb::ShutdownReport second = pool->shutdown();
    CHECK(second.already_shut_down);
    CHECK_THROWS_AS(pool->acquire("too late"), testdb::PoolClosed);
    pool.reset();      // the Pool object is gone...
    kept.release();    // ...and the lease that outlived it still returns safely
    CHECK_FALSE(kept);
}

TEST_CASE("no server at the URL: ServerUnavailable names host:port, never the password",
          "[pool][unavailable]") {
    const testdb::Config config = testdb::Config::parse(
        "postgresql://alice:s3cr3t-pw@127.0.0.1:1/app_test?connect_timeout=2&connection_limit=2");
    testdb::Pool pool(config, "nobody");
    try {
        pool.acquire("first use");
        FAIL("expected ServerUnavailable");
    } catch (const testdb::ServerUnavailable& e) {
        const std::string message = e.what();
        CHECK_THAT(message, Contains("127.0.0.1:1"));
        CHECK(message.find("s3cr3t") == std::string::npos);
    }
    CHECK(pool.stats().in_use == 0);
    CHECK(pool.stats().opened == 0);
}

TEST_CASE("the safety guard refuses a database named app", "[pool][safety]") {
    testdb::withConnection([](pqxx::connection& conn) {
        pqxx::nontransaction tx(conn);
        tx.exec("DROP DATABASE IF EXISTS app");
        tx.exec("CREATE DATABASE app");
    });
    testdb::Config app = testdb::getTestDb().config();
    app.dbname = "app";
    CHECK_THROWS_AS(testdb::requireSafeToDelete(app, "clean up tenants"),
                    testdb::SafetyGuardError);
    CHECK_NOTHROW(testdb::requireSafeToDelete(testdb::getTestDb().config(), "clean up"));
    testdb::withConnection([](pqxx::connection& conn) {
        pqxx::nontransaction(conn).exec("DROP DATABASE app");
    });
}

TEST_CASE("each connection carries application_name <prefix>-<run token>", "[pool]") {
    testdb::TestDb& db = testdb::getTestDb();
    const std::string expected = db.config().application_name + "-" + db.runToken();
    testdb::withConnection([&](pqxx::connection& conn) {
        pqxx::nontransaction tx(conn);
        CHECK(testdb::queryRow(tx, "SHOW application_name")[0].as<std::string>() == expected);
    });
}

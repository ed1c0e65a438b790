// Child side of the server-loss scenarios (killed, restarted, signalled).
// The parent acts on the server while one test waits; the tests after it
// show what the rest of the suite sees.
#include <csignal>

#include "child_support.hpp"

using faultchild::items;
using namespace std::chrono_literals;

// [.kill]: the parent SIGKILLs the postmaster while the first test uses its
// connection; that test must fail with the connection error and every test
// after it must fail fast (ServerUnavailable), not hang.
TEST_CASE("kill 1: the running test loses its server", "[.kill]") {
    auto& tenant = testdb::context().tenants.tenantA.create();
    items.createMany(tenant, 3);
    testdb::Lease lease = testdb::getTestDb().acquire("watching the server");
    faultchild::tell_parent("ready", faultchild::server_info());
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        pqxx::nontransaction(lease.connection()).exec("SELECT 1");  // throws once killed
        std::this_thread::sleep_for(20ms);
    }
    FAIL("the parent never killed the server");
}

TEST_CASE("kill 2: a test after the loss", "[.kill]") {
    items.create(testdb::context().tenants.tenantA);
}

TEST_CASE("kill 3: another test after the loss", "[.kill]") {
    CHECK(faultchild::items_of(testdb::context().tenants.tenantB) == 0);
}

TEST_CASE("kill 4: a third test after the loss", "[.kill]") {
    testdb::withConnection(
        [](pqxx::connection& conn) { pqxx::nontransaction(conn).exec("SELECT 1"); });
}

// [.restart]: the parent stops the server and starts it again on the same
// data directory and socket while this suite is between tests; the tests
// after the restart pass on replaced connections.
TEST_CASE("restart 1: rows and two connections before the restart", "[.restart]") {
    auto& tenant = testdb::context().tenants.tenantA.create();
    items.createMany(tenant, 3);
    {
        // Open both connections of the pool, so both break in the restart.
        testdb::Lease first = testdb::getTestDb().acquire("first");
        testdb::Lease second = testdb::getTestDb().acquire("second");
        pqxx::nontransaction(first.connection()).exec("SELECT 1");
        pqxx::nontransaction(second.connection()).exec("SELECT 1");
    }
    faultchild::tell_parent("ready", faultchild::server_info());
    REQUIRE(faultchild::wait_for_parent("restarted"));
    // The rows survived the restart (same data directory), and the idle,
    // now broken, connection is replaced transparently.
    CHECK(faultchild::items_of(tenant) == 3);
}

TEST_CASE("restart 2: tests after the restart pass", "[.restart]") {
    auto& ctx = testdb::context();
    items.createMany(ctx.tenants.tenantA, 5);
    items.createMany(ctx.tenants.tenantB, 2);
    CHECK(faultchild::items_of(ctx.tenants.tenantA) == 5);
    CHECK(faultchild::items_of(ctx.tenants.tenantB) == 2);
    testdb::Lease first = testdb::getTestDb().acquire("first after restart");
    testdb::Lease second = testdb::getTestDb().acquire("second after restart");
    CHECK(testdb::queryValue<int>(pqxx::nontransaction(first.connection()), "SELECT 1") == 1);
    CHECK(testdb::queryValue<int>(pqxx::nontransaction(second.connection()), "SELECT 1") == 1);
}

TEST_CASE("restart 3: both broken connections were replaced", "[.restart]") {
    const testdb::PoolStats stats = testdb::getTestDb().pool().stats();
    CHECK(stats.replaced == 2);
    CHECK(stats.opened == 4);
    CHECK(stats.timeouts == 0);
}

// [.signal]: the parent sends SIGINT or SIGTERM while this test waits; the
// embedded server must be stopped and its directory removed.
TEST_CASE("signal: waits for a signal with rows in its tenants", "[.signal]") {
    items.createMany(testdb::context().tenants.tenantA.create(), 2);
    faultchild::tell_parent("ready", faultchild::server_info());
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
    }
    FAIL("no signal arrived");
}

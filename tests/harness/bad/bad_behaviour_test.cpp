// The bad suite: each test case misbehaves on purpose in one way the harness
// must catch. tests/integration/harness_selftest_test.cpp runs it one tag at
// a time as a child process and checks the exit code and the message.
// A listener of this suite's own (hence CATCH_CONFIG_EXTERNAL_INTERFACES)
// holds the run between test cases while a thread started by a test works
// after that test ended, so the late work happens at a known moment.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <functional>
#include <future>
#include <iostream>
#include <string>
#include <thread>

#include "../late_work.hpp"
#include "../support.hpp"

namespace {

// A source path longer than Catch2's default 80 columns.
constexpr const char* kLongPath =
    "/home/ci/builds/a-group/a-subgroup/the-project/tests/integration/a_rather_long_directory_"
    "name/booking_repository_holder_test.cpp";

testdb::SourceLocation long_path(int line) { return testdb::SourceLocation{kLongPath, line}; }

// Written against testdb/catch.hpp's listener base, so it builds under
// Catch2 v2 and v3 (whose TestCaseStats differ: the name is taken at start).
class LateWorkListener : public testdb::CatchListenerBase {
    using Base = testdb::CatchListenerBase;

public:
    using Base::Base;
    void testCaseStarting(const Catch::TestCaseInfo& info) override {
        running_ = info.name;
        Base::testCaseStarting(info);
    }
    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        selftest::late_work::testEnded(running_);
        Base::testCaseEnded(stats);
    }

private:
    std::string running_;
};
CATCH_REGISTER_LISTENER(LateWorkListener)

}  // namespace

TEST_CASE("keeps a lease past its end", "[keeps-lease]") {
    static testdb::Lease kept;
    kept = testdb::getTestDb().acquire("kept on purpose");
    SUCCEED("the lease stays out");
}

TEST_CASE("gives a connection back inside an open transaction", "[open-transaction]") {
    testdb::Lease lease = testdb::getTestDb().acquire("leaves BEGIN open");
    pqxx::nontransaction(lease.connection()).exec("BEGIN");
}

TEST_CASE("leaves rows with cleanup disabled", "[leaves-rows]") {
    auto& ctx = testdb::context();
    ctx.skipCleanup();
    selftest::items.createMany(ctx.tenants.tenantA, 3);
}

TEST_CASE("holds 3 leases and asks for a 4th", "[fourth-lease]") {
    auto& db = testdb::getTestDb();
    testdb::Lease a = db.acquire("first");
    testdb::Lease b = db.acquire("second");
    testdb::Lease c = db.acquire("third");
    testdb::Lease d = db.acquire("fourth");  // throws PoolDeadlock at once
}

TEST_CASE("fails with rows of its tenants", "[keep-failed]") {
    auto& ctx = testdb::context();
    selftest::items.createMany(ctx.tenants.tenantA, 2);
    FAIL_CHECK("failing on purpose");
}

TEST_CASE("passes after the misbehaving ones", "[keeps-lease][open-transaction][leaves-rows]") {
    selftest::check_starts_clean();
}

TEST_CASE("starts a thread that makes a tenant after the test ended", "[late-tenant]") {
    const testdb::Tenant& tenant = testdb::context().tenants.tenantA;
    selftest::late_work::start("starts a thread that makes a tenant after the test ended",
                        [&tenant] { tenant.id(testdb::SourceLocation{"late_tenant.cpp", 11}); });
}

TEST_CASE("starts a thread that leases after the test ended", "[late-lease]") {
    selftest::late_work::start("starts a thread that leases after the test ended", [] {
        testdb::Lease late = testdb::getTestDb().acquire("late lease",
                                                         testdb::SourceLocation{"late_lease.cpp", 22});
    });
}

TEST_CASE("inserts a tenant of its own and leaves it", "[stray-rows]") {
    selftest::insert_stray_rows();
    SUCCEED("the rows stay");
}

testdb::Lease g_long_path_lease;

TEST_CASE("keeps a lease from a long source path", "[long-path]") {
    g_long_path_lease = testdb::getTestDb().acquire("kept from a long path", long_path(4242));
}

TEST_CASE("times out while leases from long source paths are held", "[long-path]") {
    auto& db = testdb::getTestDb();
    g_long_path_lease.release();  // kept by the test before
    testdb::Lease first = db.acquire("first holder", long_path(4201));
    testdb::Lease second = db.acquire("second holder", long_path(4202));
    std::promise<void> holding;
    std::promise<void> release;
    std::thread other([&] {
        testdb::Lease third = db.acquire("third holder", long_path(4203));
        holding.set_value();
        release.get_future().wait();
    });
    holding.get_future().wait();
    struct Join {
        std::promise<void>& release;
        std::thread& other;
        ~Join() {
            release.set_value();
            other.join();
        }
    } join{release, other};
    db.acquire("fourth caller", long_path(4204));  // PoolTimeout after pool_timeout
}

TEST_CASE("shuts the pool down", "[shuts-pool]") {
    testdb::context().tenants.tenantA.create();
    testdb::getTestDb().shutdown();  // line checked by the self-test
}

TEST_CASE("drops a table its cleanup needs", "[drops-table]") {
    selftest::items.create(testdb::context().tenants.tenantA);
    testdb::withTransaction([](testdb::Transaction& tx) { tx.exec("DROP TABLE item_notes"); });
}

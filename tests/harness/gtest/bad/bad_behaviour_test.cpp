// The GoogleTest bad suite: each test misbehaves on purpose in one way
// testdb must catch, and must FAIL in GoogleTest's own output and exit
// code. tests/integration/harness_selftest_gtest_test.cpp runs it one
// --gtest_filter at a time and checks the exit code and the message.
//
// It has a main() of its own (as a user's suite may): a listener that holds
// the run after a test ended while a thread started by that test works, so
// the late work happens at a known moment. GoogleTest tells listeners that a
// test ended in reverse order, so this one, appended BEFORE testdb's, hears
// it after testdb's end-of-test checks ran.
#include <functional>

#include "../../late_work.hpp"
#include "../support.hpp"

namespace {

// Starts a thread that works after the running test has ended.
void run_after_this_test(std::function<void()> work) {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    selftest::late_work::start(std::string(test->test_suite_name()) + "." + test->name(), std::move(work));
}

class LateWorkListener : public ::testing::EmptyTestEventListener {
    void OnTestEnd(const ::testing::TestInfo& test) override {
        selftest::late_work::testEnded(std::string(test.test_suite_name()) + "." + test.name());
    }
};

}  // namespace

TEST(BadBehaviour, KeepsALeasePastItsEnd) {
    static testdb::Lease kept;
    kept = testdb::getTestDb().acquire("kept on purpose");
}

TEST(BadBehaviour, GivesAConnectionBackInsideAnOpenTransaction) {
    testdb::Lease lease = testdb::getTestDb().acquire("leaves BEGIN open");
    pqxx::nontransaction(lease.connection()).exec("BEGIN");
}

TEST(BadBehaviour, LeavesRowsWithCleanupDisabled) {
    auto& ctx = testdb::context();
    ctx.skipCleanup();
    selftest::items.createMany(ctx.tenants.tenantA, 3);
}

TEST(BadBehaviour, HoldsThreeLeasesAndAsksForAFourth) {
    auto& db = testdb::getTestDb();
    testdb::Lease a = db.acquire("first");
    testdb::Lease b = db.acquire("second");
    testdb::Lease c = db.acquire("third");
    testdb::Lease d = db.acquire("fourth");  // throws PoolDeadlock at once
}

TEST(BadBehaviour, FailsWithRowsOfItsTenants) {
    selftest::items.createMany(testdb::context().tenants.tenantA, 2);
    ADD_FAILURE() << "failing on purpose";
}

TEST(BadBehaviourAfter, PassesAfterTheMisbehavingOnes) { selftest::expect_starts_clean(); }

TEST(BadBehaviour, StartsAThreadThatMakesATenantAfterTheTestEnded) {
    const testdb::Tenant& tenant = testdb::context().tenants.tenantA;
    run_after_this_test([&tenant] { tenant.id(testdb::SourceLocation{"late_tenant.cpp", 11}); });
}

TEST(BadBehaviour, StartsAThreadThatLeasesAfterTheTestEnded) {
    run_after_this_test([] {
        testdb::Lease late =
            testdb::getTestDb().acquire("late lease", testdb::SourceLocation{"late_lease.cpp", 22});
    });
}

TEST(BadBehaviour, InsertsATenantOfItsOwnAndLeavesIt) {
    selftest::insert_stray_rows();
}

TEST(BadBehaviour, ShutsThePoolDown) {
    testdb::context().tenants.tenantA.create();
    testdb::getTestDb().shutdown();
}

int main(int argc, char* argv[]) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::UnitTest::GetInstance()->listeners().Append(new LateWorkListener);
    testdb::gtest::install();
    return testdb::gtest::exitCode(RUN_ALL_TESTS());
}

// The cross-process budget (TESTDB_MAX_PROCESSES) against a real server:
// the embedded one, or DATABASE_URL_TEST (the PgBouncer test points it at
// PgBouncer in transaction mode). Each test claims slots on a budget of its
// own making, from a copy of getTestDb()'s config.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "testdb/testdb.hpp"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

testdb::Config budget_of(int processes, std::chrono::milliseconds timeout) {
    testdb::Config config = testdb::getTestDb().config();
    config.max_processes = processes;
    config.slot_timeout = timeout;
    return config;
}

// Server backends whose application_name marks a slot (holders and claims).
int slot_backends() {
    testdb::Lease lease = testdb::getTestDb().acquire("count slot backends");
    pqxx::nontransaction tx(lease.connection());
    return testdb::queryValue<int>(tx,
                                   "SELECT count(*)::int FROM pg_stat_activity"
                                   " WHERE application_name LIKE 'testdb-slot:%'");
}

}  // namespace

TEST_CASE("a full budget times out naming the holder, and a released slot is free again",
          "[budget]") {
    const auto first = testdb::ProcessSlot::claim(budget_of(1, 10s), "first");
    CHECK(first->slot() == 0);
    CHECK(first->budget() == 1);

    std::string message;
    try {
        testdb::ProcessSlot::claim(budget_of(1, 1s), "second");
        FAIL("a second slot was granted on a budget of 1");
    } catch (const testdb::ProcessBudgetTimeout& e) {
        message = e.what();
    }
    CHECK_THAT(message, Contains("TESTDB_MAX_PROCESSES=1"));
    CHECK_THAT(message, Contains("slot 0: pid " + std::to_string(::getpid())));
    CHECK_THAT(message, Contains(program_invocation_short_name));
    CHECK_THAT(message, Contains("since "));
    CHECK_THAT(message, Contains("Fix:"));

    const std::vector<testdb::SlotHolder> holders = testdb::slotHolders(budget_of(1, 1s));
    REQUIRE(holders.size() == 1);
    CHECK(holders[0].pid == ::getpid());

    first->release();
    const auto second = testdb::ProcessSlot::claim(budget_of(1, 10s), "second");
    CHECK(second->slot() == 0);
    CHECK(testdb::slotHolders(budget_of(1, 1s)).size() == 1);
}

TEST_CASE("K claims get K different slots; the next one waits for a release", "[budget]") {
    std::vector<std::unique_ptr<testdb::ProcessSlot>> slots;
    for (int i = 0; i < 3; ++i) {
        slots.push_back(testdb::ProcessSlot::claim(budget_of(3, 10s), "k" + std::to_string(i)));
        CHECK(slots.back()->slot() == i);
    }
    // The fourth waits without holding a server connection between
    // attempts; a release while it waits lets it in.
    std::atomic<int> got{-1};
    std::thread waiter(
        [&] { got = testdb::ProcessSlot::claim(budget_of(3, 30s), "waiter")->slot(); });
    std::this_thread::sleep_for(1s);
    CHECK(got == -1);
    CHECK(slot_backends() <= 4);  // three holders, at most one attempt in flight
    slots[1]->release();
    waiter.join();
    CHECK(got == 1);
}

TEST_CASE("the slot of a holder killed with SIGKILL frees itself", "[budget]") {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t holder = ::fork();
    REQUIRE(holder >= 0);
    if (holder == 0) {
        ::close(ready[0]);
        try {
            const auto slot = testdb::ProcessSlot::claim(budget_of(1, 10s), "holder");
            const char ok = 'y';
            [[maybe_unused]] const auto n = ::write(ready[1], &ok, 1);
            ::pause();  // until killed
        } catch (...) {
        }
        ::_exit(1);
    }
    ::close(ready[1]);
    char byte = 'n';
    REQUIRE(::read(ready[0], &byte, 1) == 1);
    ::close(ready[0]);
    REQUIRE(byte == 'y');

    const auto holders = testdb::slotHolders(budget_of(1, 1s));
    REQUIRE(holders.size() == 1);
    CHECK(holders[0].pid == holder);
    CHECK_THROWS_AS(testdb::ProcessSlot::claim(budget_of(1, 500ms), "blocked"),
                    testdb::ProcessBudgetTimeout);

    ::kill(holder, SIGKILL);
    int status = 0;
    ::waitpid(holder, &status, 0);
    // The server (or PgBouncer) ends the dead session and its lock with it.
    const auto slot = testdb::ProcessSlot::claim(budget_of(1, 20s), "after the crash");
    CHECK(slot->slot() == 0);
}

TEST_CASE("auto derives the budget from max_connections", "[budget]") {
    int limits = 0;
    {
        testdb::Lease lease = testdb::getTestDb().acquire("read limits");
        pqxx::nontransaction tx(lease.connection());
        limits = testdb::queryRow(tx,
                       "SELECT current_setting('max_connections')::int"
                       " - current_setting('superuser_reserved_connections')::int")[0]
                     .as<int>();
    }
    const testdb::Config config = budget_of(testdb::kAutoMaxProcesses, 5s);
    const auto slot = testdb::ProcessSlot::claim(config, "auto");
    CHECK(slot->budget() ==
          testdb::processesThatFit(limits - testdb::kBudgetHeadroom, config.connection_limit));
    CHECK(slot->budget() >= 1);
}

// A touched-tier run without a schema holds the configured database for
// TIERS_HOLD_SECONDS, so that one_process.cmake can start a second run
// against it, which must be refused (one process per database).
#include <chrono>
#include <cstdlib>
#include <thread>

#include "testdb/catch.hpp"
#include "testdb/lifecycle.hpp"

TEST_CASE("touched tier: holds the database while a second run starts", "[tiers]") {
    CHECK(testdb::isolationName(testdb::suiteIsolation()) == "touched");
    const char* seconds = std::getenv("TIERS_HOLD_SECONDS");
    std::this_thread::sleep_for(std::chrono::seconds(seconds != nullptr ? std::atoi(seconds) : 0));
}

// Connections the server refused or never answered: the pool classifies the
// refusal as ServerRefused (PostgreSQL's 53300 and PgBouncer's
// max_client_conn alike) and counts only connections that were opened.
#include <catch2/catch.hpp>

#include <optional>
#include <vector>

#include "testdb/config.hpp"
#include "testdb/errors.hpp"
#include "testdb/pool.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("refusal: the texts of PostgreSQL and PgBouncer are all refusals", "[refusal]") {
    CHECK(testdb::isConnectionRefusal("FATAL:  sorry, too many clients already"));
    CHECK(testdb::isConnectionRefusal(
        "FATAL:  remaining connection slots are reserved for roles with the SUPERUSER attribute"));
    CHECK(testdb::isConnectionRefusal("FATAL:  53300: sorry, too many clients already"));
    CHECK(testdb::isConnectionRefusal("ERROR:  no more connections allowed (max_client_conn)"));
    CHECK_FALSE(testdb::isConnectionRefusal(
        "connection to server at \"127.0.0.1\", port 1 failed: Connection refused"));
    CHECK_FALSE(testdb::isConnectionRefusal("FATAL:  database \"x_test\" does not exist"));
}

TEST_CASE("refusal: a connection attempt that failed is not counted at the peak", "[refusal]") {
    // Port 1: nothing listens there, so the attempt fails at once.
    testdb::Pool pool(testdb::Config::parse("postgresql://testdb@127.0.0.1:1/refused_test"),
                      "refusedpeak");
    CHECK_THROWS_AS(pool.acquire("never opens"), testdb::ServerUnavailable);
    CHECK(pool.stats().peak_in_use == 0);
    CHECK(pool.stats().opened == 0);
}

// Run by tests/scaling/pgbouncer_test.sh through a PgBouncer that admits two
// clients (max_client_conn=2): the third connection is refused.
TEST_CASE("refusal: PgBouncer's max_client_conn is ServerRefused; peak counts opened ones",
          "[.refusal-bouncer]") {
    testdb::Pool pool(testdb::load_config(), "refusedbouncer");
    REQUIRE(pool.config().connection_limit >= 3);
    std::vector<testdb::Lease> held;
    std::optional<std::string> refusal;
    for (int i = 0; i < 3 && !refusal; ++i) {
        try {
            held.push_back(pool.acquire("lease " + std::to_string(i + 1)));
        } catch (const testdb::ServerRefused& e) {
            refusal = e.what();
        }
    }
    REQUIRE(refusal);
    INFO(*refusal);
    CHECK_THAT(*refusal, StartsWith("ServerRefused: ") && Contains("max_client_conn") &&
                             Contains("connection_limit") && Contains("TESTDB_MAX_PROCESSES"));
    CHECK(held.size() == 2);
    const testdb::PoolStats stats = pool.stats();
    CHECK(stats.opened == 2);
    CHECK(stats.peak_in_use == 2);
}

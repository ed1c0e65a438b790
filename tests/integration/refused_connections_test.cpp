// Connections the server refused or never answered: the pool classifies the
// refusal as ServerRefused (PostgreSQL's 53300 and PgBouncer's
// max_client_conn alike) and counts only connections that were opened.
#include <catch2/catch.hpp>

#include <optional>
#include <vector>

#include "testdb/config.hpp"
#include "testdb/embedded_server.hpp"
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

TEST_CASE("refusal: a real refusal carries its SQLSTATE and server as data",
          "[refusal][errors]") {
    // A server with two connection slots for everyone (the embedded server's
    // user is a superuser, so no slot is held back for superusers).
    testdb::EmbeddedServerOptions options;
    options.settings = {"max_connections=2", "superuser_reserved_connections=0"};
    testdb::EmbeddedServer server = testdb::EmbeddedServer::start(options);
    testdb::Config config = testdb::Config::parse(server.url());
    config.connection_limit = 3;
    testdb::Pool pool(config, "refusedfacts");
    std::vector<testdb::Lease> held;
    held.push_back(pool.acquire("first"));
    held.push_back(pool.acquire("second"));
    try {
        held.push_back(pool.acquire("third"));
        FAIL("the third connection was not refused");
    } catch (const testdb::ServerRefused& e) {
        INFO(e.what());
        CHECK(e.sqlstate() == "53300");
        CHECK(e.server() == config.endpoint());
        CHECK(e.server() == server.directory().string() + ":" + std::to_string(server.port()));
        CHECK_THAT(e.what(), StartsWith("ServerRefused: ") && Contains(e.server()));
    }
    CHECK(held.size() == 2);
}

TEST_CASE("refusal: refusalSqlstate names the refusal's SQLSTATE", "[refusal][errors]") {
    CHECK(testdb::refusalSqlstate("FATAL:  sorry, too many clients already") == "53300");
    CHECK(testdb::refusalSqlstate("FATAL:  53300: sorry, too many clients already") == "53300");
    CHECK(testdb::refusalSqlstate("FATAL:  remaining connection slots are reserved for roles "
                                  "with the SUPERUSER attribute") == "53300");
    CHECK(testdb::refusalSqlstate("ERROR:  no more connections allowed (max_client_conn)") ==
          "08P01");
    CHECK(testdb::refusalSqlstate("connection to server at \"127.0.0.1\", port 1 failed: "
                                  "Connection refused") == "");
    // An error built from a message alone knows no facts.
    const testdb::ServerRefused bare("ServerRefused: x");
    CHECK(bare.sqlstate().empty());
    CHECK(bare.server().empty());
}

// Run by tests/scaling/pgbouncer_test.sh through a PgBouncer that admits two
// clients (max_client_conn=2): the third connection is refused.
TEST_CASE("refusal: PgBouncer's max_client_conn is ServerRefused; peak counts opened ones",
          "[.refusal-bouncer]") {
    testdb::Pool pool(testdb::loadConfig(), "refusedbouncer");
    REQUIRE(pool.config().connection_limit >= 3);
    std::vector<testdb::Lease> held;
    std::optional<std::string> refusal;
    std::string sqlstate;
    for (int i = 0; i < 3 && !refusal; ++i) {
        try {
            held.push_back(pool.acquire("lease " + std::to_string(i + 1)));
        } catch (const testdb::ServerRefused& e) {
            refusal = e.what();
            sqlstate = e.sqlstate();
        }
    }
    REQUIRE(refusal);
    INFO(*refusal);
    CHECK(sqlstate == "08P01");
    CHECK_THAT(*refusal, StartsWith("ServerRefused: ") && Contains("max_client_conn") &&
                             Contains("connection_limit") && Contains("TESTDB_MAX_PROCESSES"));
    CHECK(held.size() == 2);
    const testdb::PoolStats stats = pool.stats();
    CHECK(stats.opened == 2);
    CHECK(stats.peak_in_use == 2);
}

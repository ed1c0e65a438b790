// Errors carry their facts as data as well as in the message
// (include/testdb/errors.hpp): what a caller can read without parsing text.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "scoped_env.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"

using Catch::Matchers::Contains;

namespace {

testdb::ConfigError config_error_of(const std::string& url) {
    try {
        testdb::Config::parse(url);
    } catch (const testdb::ConfigError& e) {
        return e;
    }
    FAIL("no ConfigError for " << url);
    return testdb::ConfigError("unreachable");
}

// The ConfigError loadConfig() throws for DATABASE_URL_TEST=`url` and `name`=`value`.
testdb::ConfigError config_error_from_env(const std::string& url, const std::string& name,
                                          const std::string& value) {
    const testdb_unit::CleanEnv clean;
    const testdb_unit::ScopedWorkDir dir;
    const testdb_unit::ScopedEnv url_env("DATABASE_URL_TEST", url);
    const testdb_unit::ScopedEnv setting(name, value);
    try {
        testdb::loadConfig();
    } catch (const testdb::ConfigError& e) {
        return e;
    }
    FAIL("no ConfigError for DATABASE_URL_TEST=" << url << " " << name << "=" << value);
    return testdb::ConfigError("unreachable");
}

}  // namespace

TEST_CASE("ConfigError names the setting and its value, password masked", "[errors][config]") {
    const auto limit = config_error_of("postgresql://app:pw-secret@h/app_test?connection_limit=abc");
    CHECK(limit.setting() == "connection_limit");
    CHECK(limit.value() == "abc");
    CHECK_THAT(limit.what(), Contains("connection_limit=abc"));

    const auto timeout = config_error_of("postgresql://h/app_test?pool_timeout=-1");
    CHECK(timeout.setting() == "pool_timeout");
    CHECK(timeout.value() == "-1");

    // A value that is the password itself never comes back readable.
    const auto name = config_error_of("postgresql://app:pw-secret@h/app_test?application_name=pw-secret!");
    CHECK(name.setting() == "application_name");
    CHECK(name.value().find("pw-secret") == std::string::npos);
    CHECK(std::string(name.what()).find("pw-secret") == std::string::npos);

    const auto unknown = config_error_of("postgresql://h/app_test?conection_limit=2");
    CHECK(unknown.setting() == "conection_limit");

    SECTION("from the environment") {
        const auto e = config_error_from_env("postgresql://h/app_test", "TESTDB_CONNECTION_LIMIT", "0");
        CHECK(e.setting() == "TESTDB_CONNECTION_LIMIT");
        CHECK(e.value() == "0");
    }
    SECTION("an empty DATABASE_URL_TEST") {
        const auto e = config_error_from_env("", "TESTDB_CONNECTION_LIMIT", "2");
        CHECK(e.setting() == "DATABASE_URL_TEST");
        CHECK(e.value().empty());
    }
}

TEST_CASE("errors built from a message alone have empty facts; copies share them",
          "[errors]") {
    const testdb::PoolTimeout bare("PoolTimeout: x");
    CHECK(bare.holders().empty());
    CHECK(bare.limit() == 0);
    CHECK(bare.timeout() == std::chrono::milliseconds(0));
    CHECK(testdb::ConfigError("x").setting().empty());
    CHECK(testdb::EmbeddedServerError("x").program().empty());

    const testdb::PoolTimeout full("PoolTimeout: y",
                                   {{"holder", "a_test.cpp", 12, std::chrono::seconds(2), true}},
                                   3, std::chrono::milliseconds(5000));
    const testdb::PoolTimeout copy = full;  // NOLINT(performance-unnecessary-copy-initialization)
    REQUIRE(copy.holders().size() == 1);
    CHECK(copy.holders()[0].label == "holder");
    CHECK(copy.holders()[0].line == 12);
    CHECK(copy.limit() == 3);
    CHECK(copy.timeout() == std::chrono::seconds(5));
    // Still caught as what it is, and as the root.
    try {
        throw copy;
    } catch (const testdb::Error& e) {
        CHECK(dynamic_cast<const testdb::PoolTimeout*>(&e) != nullptr);
        CHECK(std::string(e.what()) == "PoolTimeout: y");
    }
}

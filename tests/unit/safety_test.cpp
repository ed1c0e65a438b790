// The safety guard's rules, without a server: names and environments.
#include <catch2/catch.hpp>

#include "scoped_env.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"
#include "testdb/safety.hpp"

using testdb::Config;
using testdb::requireSafeToDelete;
using testdb::SafetyGuardError;
using testdb_unit::CleanEnv;
using testdb_unit::ScopedEnv;
using testdb_unit::ScopedWorkDir;

TEST_CASE("safety: a database named like a test database passes", "[safety]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    CHECK_NOTHROW(requireSafeToDelete(Config::parse("postgresql://h/app_test"), "clean up"));
    CHECK_NOTHROW(requireSafeToDelete("TESTING", "clean up"));
}

TEST_CASE("safety: a database without 'test' in its name is refused", "[safety]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    const auto config = Config::parse("postgresql://u:pw@h:5/app");
    REQUIRE_THROWS_AS(requireSafeToDelete(config, "delete rows"), SafetyGuardError);
    REQUIRE_THROWS_WITH(requireSafeToDelete(config, "delete rows"),
                        Catch::Contains("'app'") && Catch::Contains("delete rows") &&
                            Catch::Contains("h:5") &&
                            Catch::Contains("TESTDB_ALLOW_ANY_DATABASE"));
}

TEST_CASE("safety: with no database in the URL the user name decides", "[safety]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    CHECK_NOTHROW(requireSafeToDelete(Config::parse("postgresql://tester@h"), "x"));
    CHECK_THROWS_AS(requireSafeToDelete(Config::parse("postgresql://app@h"), "x"),
                    SafetyGuardError);
}

TEST_CASE("safety: APP_ENV or NODE_ENV production is refused even for a test database",
          "[safety]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    SECTION("APP_ENV") {
        ScopedEnv env("APP_ENV", std::string("production"));
        REQUIRE_THROWS_WITH(requireSafeToDelete("app_test", "clean up"),
                            Catch::Contains("APP_ENV=production"));
    }
    SECTION("NODE_ENV, any case") {
        ScopedEnv env("NODE_ENV", std::string("Production"));
        REQUIRE_THROWS_WITH(requireSafeToDelete("app_test", "clean up"),
                            Catch::Contains("NODE_ENV=Production"));
    }
    SECTION("from .env.test") {
        dir.write(".env.test", "APP_ENV=production\n");
        CHECK_THROWS_AS(requireSafeToDelete("app_test", "clean up"), SafetyGuardError);
    }
}

TEST_CASE("safety: TESTDB_ALLOW_ANY_DATABASE=1 overrides both rules", "[safety]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    ScopedEnv allow("TESTDB_ALLOW_ANY_DATABASE", std::string("1"));
    ScopedEnv env("APP_ENV", std::string("production"));
    CHECK_NOTHROW(requireSafeToDelete("app", "clean up"));
}

TEST_CASE("safety: only the exact value 1 overrides", "[safety]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    ScopedEnv allow("TESTDB_ALLOW_ANY_DATABASE", std::string("yes"));
    CHECK_THROWS_AS(requireSafeToDelete("app", "clean up"), SafetyGuardError);
}

// Errors that refer to .env.test.example name where it is on this machine.
#include <filesystem>

#include <catch2/catch.hpp>

#include "scoped_env.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"

using testdb_unit::CleanEnv;
using testdb_unit::ScopedEnv;
using testdb_unit::ScopedWorkDir;

TEST_CASE("envExamplePath names a .env.test.example that exists", "[config]") {
    const std::filesystem::path path = testdb::envExamplePath();
    CHECK(path.filename() == ".env.test.example");
    CHECK(path.is_absolute());
    CHECK(std::filesystem::is_regular_file(path));
}

TEST_CASE("a bad setting's ConfigError names where .env.test.example is", "[config]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    ScopedEnv limit("TESTDB_CONNECTION_LIMIT", "lots");
    REQUIRE_THROWS_WITH(testdb::loadConfig(),
                        Catch::Contains("see " + testdb::envExamplePath() + " for every setting"));
}

TEST_CASE("a bad .env.test line's ConfigError names where .env.test.example is", "[config]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    dir.write(".env.test", "this line has no equals sign\n");
    REQUIRE_THROWS_WITH(testdb::loadConfig(),
                        Catch::Contains("see " + testdb::envExamplePath() + "."));
}

// DATABASE_URL_TEST set but blank is a mistake (a CI secret that did not
// arrive), not a request for the embedded server: only unsetting it is.
#include <catch2/catch.hpp>

#include "scoped_env.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"

using testdb_unit::CleanEnv;
using testdb_unit::ScopedEnv;
using testdb_unit::ScopedWorkDir;

TEST_CASE("an empty or blank DATABASE_URL_TEST in the environment is a ConfigError",
          "[config]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    const std::string value = GENERATE(as<std::string>{}, "", "   ", "\t\n");
    ScopedEnv url("DATABASE_URL_TEST", value);
    REQUIRE_THROWS_MATCHES(
        testdb::loadConfig(), testdb::ConfigError,
        Catch::Matchers::Predicate<testdb::ConfigError>([](const testdb::ConfigError& e) {
            const std::string what = e.what();
            return what.rfind("ConfigError: DATABASE_URL_TEST is set but empty (environment)",
                              0) == 0 &&
                   what.find("unset it") != std::string::npos &&
                   what.find("embedded") != std::string::npos;
        }));
}

TEST_CASE("an empty DATABASE_URL_TEST in .env.test is a ConfigError naming the file",
          "[config]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    const auto file = dir.write(".env.test", "DATABASE_URL_TEST=\nTESTDB_CONNECTION_LIMIT=2\n");
    REQUIRE_THROWS_WITH(testdb::loadConfig(),
                        Catch::StartsWith("ConfigError: DATABASE_URL_TEST is set but empty") &&
                            Catch::Contains(file.string()) && Catch::Contains("unset it"));
}

TEST_CASE("an unset DATABASE_URL_TEST still asks for the embedded server", "[config]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    dir.write(".env.test", "TESTDB_CONNECTION_LIMIT=2\n");
    CHECK(testdb::loadConfig().source == testdb::ConfigSource::Embedded);
}

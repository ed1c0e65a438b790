// testdb-lint: allow-file no-context (unit test of names: it makes no tenant, only names the type)
// The deprecated snake_case spellings of testdb's public functions still
// compile (with a deprecation warning) and do what the camelCase names do.
// Written by the project's rename tool; the aliases go away one release after
// the rename (see docs/DECISIONS.md, "One naming case").
#include <string>
#include <type_traits>
#include <utility>

#include <catch2/catch.hpp>

#include <testdb/config.hpp>
#include <testdb/errors.hpp>
#include <testdb/pool.hpp>
#include <testdb/report.hpp>
#include <testdb/safety.hpp>
#include <testdb/source_location.hpp>
#include <testdb/tenants.hpp>

// The aliases are deprecated on purpose; this file is their one user.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

TEST_CASE("deprecated mask_password() agrees with maskPassword()", "[naming]") {
    const std::string url = "postgresql://u:secret@h/db_test";
    CHECK(testdb::mask_password(url) == testdb::maskPassword(url));
    CHECK(testdb::mask_password(url).find("secret") == std::string::npos);
}

TEST_CASE("deprecated masked_url() agrees with maskedUrl()", "[naming]") {
    const auto c = testdb::Config::parse("postgresql://u:secret@h:5433/db_test");
    CHECK(c.masked_url() == c.maskedUrl());
}

TEST_CASE("deprecated connection_string() agrees with connectionString()", "[naming]") {
    const auto c = testdb::Config::parse("postgresql://u@h/db_test");
    CHECK(c.connection_string("ab12cd") == c.connectionString("ab12cd"));
}

TEST_CASE("deprecated to_string() agrees with toString()", "[naming]") {
    const auto c = testdb::Config::parse("postgresql://u:pw@h/db_test");
    CHECK(c.to_string() == c.toString());
    const auto here = testdb::SourceLocation::current();
    CHECK(here.to_string() == here.toString());
}

TEST_CASE("deprecated parse_dotenv() agrees with parseDotenv()", "[naming]") {
    const std::string text = "A=1\nexport B='two'\n";
    CHECK(testdb::parse_dotenv(text) == testdb::parseDotenv(text));
}

TEST_CASE("deprecated require_safe_to_delete() agrees with requireSafeToDelete()", "[naming]") {
    CHECK_NOTHROW(testdb::require_safe_to_delete("shop_test", "clean up"));
    CHECK_THROWS_AS(testdb::require_safe_to_delete("shop", "clean up"),
                    testdb::SafetyGuardError);
    CHECK_THROWS_AS(testdb::requireSafeToDelete("shop", "clean up"),
                    testdb::SafetyGuardError);
}

TEST_CASE("deprecated summary_line() agrees with summaryLine()", "[naming]") {
    testdb::RunReport report;
    report.run_token = "ab12cd";
    report.tests_total = 3;
    CHECK(report.summary_line() == report.summaryLine());
    CHECK(report.to_json() == report.toJson());
    CHECK(testdb::RunReport::from_json(report.toJson()).toJson() ==
          testdb::RunReport::fromJson(report.toJson()).toJson());
}

TEST_CASE("deprecated is_shut_down() agrees with isShutDown()", "[naming]") {
    // A pool opens nothing until the first acquire(): no server needed.
    testdb::Pool pool(testdb::Config::parse("postgresql://u@h/db_test"), "ab12cd");
    CHECK(pool.run_token() == pool.runToken());
    CHECK(pool.application_name() == pool.applicationName());
    CHECK(pool.is_shut_down() == pool.isShutDown());
    pool.shutdown();
    CHECK(pool.is_shut_down());
    CHECK(pool.isShutDown());
    CHECK(pool.shut_down_at().line == pool.shutDownAt().line);
}

TEST_CASE("deprecated id_as() agrees with idAs()", "[naming]") {
    // A template alias: it must instantiate and return what idAs<T>() returns.
    using Alias = decltype(std::declval<const testdb::Tenant&>().id_as<long long>());
    using Renamed = decltype(std::declval<const testdb::Tenant&>().idAs<long long>());
    STATIC_REQUIRE(std::is_same_v<Alias, Renamed>);
}

#pragma GCC diagnostic pop

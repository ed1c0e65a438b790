// .env.test: parsing its lines and finding the file from the working directory.
#include <catch2/catch.hpp>

#include "scoped_env.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"

using testdb::ConfigError;
using testdb::parseDotenv;
using testdb_unit::ScopedEnv;
using testdb_unit::ScopedWorkDir;

TEST_CASE("dotenv: plain, exported, quoted and commented lines", "[dotenv]") {
    const auto values = parseDotenv(
        "# a comment\n"
        "\n"
        "A=1\n"
        "export B=two\n"
        "C=\"quoted # not a comment\"\n"
        "D='single $quoted'\n"
        "E=value # trailing comment\n"
        "F=pa#ss\n"
        "  G = spaced  \r\n"
        "H=\"line\\nbreak \\\"q\\\"\"\n"
        "EMPTY=\n");
    CHECK(values.at("A") == "1");
    CHECK(values.at("B") == "two");
    CHECK(values.at("C") == "quoted # not a comment");
    CHECK(values.at("D") == "single $quoted");
    CHECK(values.at("E") == "value");
    CHECK(values.at("F") == "pa#ss");
    CHECK(values.at("G") == "spaced");
    CHECK(values.at("H") == "line\nbreak \"q\"");
    CHECK(values.at("EMPTY").empty());
    CHECK(values.size() == 9);
}

TEST_CASE("dotenv: the last line may lack a newline; later lines win", "[dotenv]") {
    const auto values = parseDotenv("A=1\nA=2");
    CHECK(values.at("A") == "2");
}

TEST_CASE("dotenv: a line without '=' names the file and line", "[dotenv]") {
    REQUIRE_THROWS_AS(parseDotenv("A=1\nnot a setting\n", "/x/.env.test"), ConfigError);
    REQUIRE_THROWS_WITH(parseDotenv("A=1\nnot a setting\n", "/x/.env.test"),
                        Catch::Contains("/x/.env.test:2: missing '='"));
}

TEST_CASE("dotenv: an invalid name is refused", "[dotenv]") {
    REQUIRE_THROWS_WITH(parseDotenv("1ABC=x\n"), Catch::Contains("invalid name '1ABC'"));
    REQUIRE_THROWS_WITH(parseDotenv("MY-VAR=x\n"), Catch::Contains("invalid name 'MY-VAR'"));
}

TEST_CASE("dotenv: an unterminated quote is refused without echoing a password", "[dotenv]") {
    try {
        parseDotenv("DATABASE_URL_TEST=\"postgresql://u:topsecret@h/t\n");
        FAIL("no error");
    } catch (const ConfigError& e) {
        const std::string msg = e.what();
        CHECK_THAT(msg, Catch::Contains("unterminated quote"));
        CHECK(msg.find("topsecret") == std::string::npos);
    }
}

TEST_CASE("dotenv: text after a closing quote is refused", "[dotenv]") {
    REQUIRE_THROWS_WITH(parseDotenv("A=\"x\" y\n"),
                        Catch::Contains("text after the closing quote"));
}

TEST_CASE("dotenv: the nearest .env.test from a subdirectory is found", "[dotenv]") {
    ScopedWorkDir dir;
    const auto top = dir.write(".env.test", "A=top\n");
    const auto nested = dir.write("a/b/.env.test", "A=nested\n");
    std::filesystem::create_directories(dir.path() / "a/b/c");
    CHECK(testdb::findDotenvFile(dir.path() / "a/b/c") == nested);
    CHECK(testdb::findDotenvFile(dir.path() / "a") == top);
}

TEST_CASE("dotenv: the lookup stops at the repository root", "[dotenv]") {
    ScopedWorkDir dir;
    dir.write(".env.test", "A=outside\n");
    std::filesystem::create_directories(dir.path() / "repo/.git");
    std::filesystem::create_directories(dir.path() / "repo/src");
    CHECK_FALSE(testdb::findDotenvFile(dir.path() / "repo/src").has_value());
}

TEST_CASE("setting(): the environment first, then .env.test", "[dotenv]") {
    ScopedWorkDir dir;
    dir.write(".env.test", "TESTDB_UNIT_X=from-file\nTESTDB_UNIT_Y=file-only\n");
    ScopedEnv x("TESTDB_UNIT_X", std::string("from-env"));
    ScopedEnv y("TESTDB_UNIT_Y", std::nullopt);
    ScopedEnv z("TESTDB_UNIT_Z", std::nullopt);
    CHECK(testdb::setting("TESTDB_UNIT_X") == std::optional<std::string>("from-env"));
    CHECK(testdb::setting("TESTDB_UNIT_Y") == std::optional<std::string>("file-only"));
    CHECK_FALSE(testdb::setting("TESTDB_UNIT_Z").has_value());
}

TEST_CASE("setting(): an edited .env.test is read again", "[dotenv]") {
    ScopedWorkDir dir;
    ScopedEnv x("TESTDB_UNIT_W", std::nullopt);
    const auto file = dir.write(".env.test", "TESTDB_UNIT_W=1\n");
    CHECK(testdb::setting("TESTDB_UNIT_W") == std::optional<std::string>("1"));
    dir.write(".env.test", "TESTDB_UNIT_W=2\n");
    std::filesystem::last_write_time(
        file, std::filesystem::last_write_time(file) + std::chrono::seconds(5));
    CHECK(testdb::setting("TESTDB_UNIT_W") == std::optional<std::string>("2"));
}

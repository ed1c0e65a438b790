// File slugs and the run token: the names that keep files and processes apart.
#include <catch2/catch.hpp>

#include <cctype>

#include "testdb/context.hpp"
#include "testdb/run_token.hpp"
#include "testdb/schema.hpp"

using testdb::slugFromFileName;

TEST_CASE("slug: derived from the file name without directory, suffix and extension",
          "[slug]") {
    CHECK(slugFromFileName("tests/booking_repository_test.cpp") == "booking-repository");
    CHECK(slugFromFileName("/abs/path/Cache_Isolation_Tests.cc") == "cache-isolation");
    CHECK(slugFromFileName("webhook-race-spec.cpp") == "webhook-race");
    CHECK(slugFromFileName("C:\\src\\catalog_test.cpp") == "catalog");
}

TEST_CASE("slug: odd characters collapse to single dashes", "[slug]") {
    CHECK(slugFromFileName("a__b  c.test.cpp") == "a-b-c");
    CHECK(slugFromFileName("__x__.cpp") == "x");
}

TEST_CASE("slug: a name with nothing usable still gets a slug", "[slug]") {
    CHECK(slugFromFileName("___.cpp") == "file");
    CHECK(slugFromFileName("-.cpp") == "file");
}

TEST_CASE("run token: stable within the process and slug-safe", "[slug]") {
    const std::string& token = testdb::runToken();
    CHECK(&token == &testdb::runToken());
    REQUIRE_FALSE(token.empty());
    CHECK(token.size() <= 16);
    for (const char c : token) {
        CHECK(((std::islower(static_cast<unsigned char>(c)) != 0) ||
               (std::isdigit(static_cast<unsigned char>(c)) != 0)));
    }
}

TEST_CASE("schema hash: equal for equal text, different for any change", "[slug]") {
    const auto a = testdb::schemaHash("CREATE TABLE t (id int);");
    CHECK(a == testdb::schemaHash("CREATE TABLE t (id int);"));
    CHECK(a != testdb::schemaHash("CREATE TABLE t (id bigint);"));
    CHECK_FALSE(a.empty());
}

TEST_CASE("context() outside a test case names the caller's file and line", "[context]") {
    // One line: compilers disagree on the line a multi-line macro reports.
    const std::string at = "slug_test.cpp:" + std::to_string(__LINE__ + 1);
    CHECK_THROWS_WITH(testdb::context(), Catch::Contains("Error: testdb::context() was called at ") && Catch::Contains(at));
}

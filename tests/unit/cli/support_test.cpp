// The tool's URL and message helpers (harness/cli/support.hpp), which use
// the core's percent-encoding and redaction.
#include <catch2/catch.hpp>

#include <string>

#include "support.hpp"
#include "testdb/config.hpp"

TEST_CASE("with_query_param: sets one parameter, replacing it, value percent-encoded",
          "[cli][support]") {
    using testdb::cli::with_query_param;
    CHECK(with_query_param("postgresql://h/db_test", "connection_limit", "2") ==
          "postgresql://h/db_test?connection_limit=2");
    CHECK(with_query_param("postgresql://h/db_test?connection_limit=3&sslmode=disable",
                           "connection_limit", "5") ==
          "postgresql://h/db_test?sslmode=disable&connection_limit=5");
    CHECK(with_query_param("postgresql:///db_test", "host", "/tmp/testdb x") ==
          "postgresql:///db_test?host=%2Ftmp%2Ftestdb%20x");
}

TEST_CASE("redact: the configured password leaves the tool's messages", "[cli][support]") {
    const testdb::Config config =
        testdb::Config::parse("postgresql://app:pa%3Ass@127.0.0.1:1/app_test");
    const std::string out = testdb::cli::redact(
        "connection to 127.0.0.1 failed for pa:ss (pa%3Ass)", config);
    CHECK(out.find("pa:ss") == std::string::npos);
    CHECK(out.find("pa%3Ass") == std::string::npos);
    CHECK(out.find("127.0.0.1") != std::string::npos);
}

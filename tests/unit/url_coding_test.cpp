// harness/config/url.hpp: testdb's one percent-coding and one password
// redaction, used by the configuration, the embedded server and the tool.
#include <catch2/catch.hpp>

#include <string>

#include "harness/config/url.hpp"

using testdb::detail::password_candidates;
using testdb::detail::percent_decode;
using testdb::detail::percent_encode;
using testdb::detail::redact;

TEST_CASE("percent_encode: RFC 3986 unreserved characters stay, every other byte is %XX",
          "[url]") {
    CHECK(percent_encode("azAZ09-._~") == "azAZ09-._~");
    CHECK(percent_encode("a b/c?d&e=f@g:h%") == "a%20b%2Fc%3Fd%26e%3Df%40g%3Ah%25");
    CHECK(percent_encode("/tmp/testdb-x") == "%2Ftmp%2Ftestdb-x");  // the embedded server's socket
    CHECK(percent_encode("\xC3\xBC") == "%C3%BC");                  // UTF-8 bytes, upper-case hex
    CHECK(percent_encode("") == "");
}

TEST_CASE("percent_decode: the inverse; a malformed escape stays as written", "[url]") {
    std::string every_byte;
    for (int c = 0; c < 256; ++c) every_byte += static_cast<char>(c);
    CHECK(percent_decode(percent_encode(every_byte)) == every_byte);
    CHECK(percent_decode("a%2fb%2Fc") == "a/b/c");
    CHECK(percent_decode("100%") == "100%");
    CHECK(percent_decode("%zz%4") == "%zz%4");
}

TEST_CASE("redact: the URL's password as written, decoded or encoded never survives",
          "[url][mask]") {
    const auto secrets = password_candidates("postgresql://app:s3cr%40t@db:5432/app_test");
    const std::string out =
        redact("FATAL: password authentication failed (s3cr@t, s3cr%40t, S3CR) "
               "postgresql://app:s3cr%40t@db/app_test",
               secrets);
    CHECK(out.find("s3cr") == std::string::npos);
    CHECK(out.find("S3CR") != std::string::npos);  // only the password itself goes
    CHECK(out.find("****") != std::string::npos);

    // key=value strings: a raw '@' is quoted back percent-encoded in URLs testdb builds.
    const auto kv = password_candidates("host=db password=p@ss dbname=app_test");
    CHECK(redact("p@ss p%40ss", kv) == "**** ****");
    CHECK(redact("nothing secret here", password_candidates("postgresql://db/app_test")) ==
          "nothing secret here");
}

// maskPassword: the one function between a password and a log line.
#include <catch2/catch.hpp>

#include "testdb/config.hpp"

using testdb::maskPassword;

TEST_CASE("mask: URI user info password", "[mask]") {
    CHECK(maskPassword("postgresql://app:secret@h:5432/t") == "postgresql://app:****@h:5432/t");
}

TEST_CASE("mask: user without password is left alone", "[mask]") {
    CHECK(maskPassword("postgresql://app@h/t") == "postgresql://app@h/t");
    CHECK(maskPassword("postgresql://h:5432/t") == "postgresql://h:5432/t");
}

TEST_CASE("mask: password= in the query and in key=value strings", "[mask]") {
    CHECK(maskPassword("postgresql://h/t?password=secret&sslmode=disable") ==
          "postgresql://h/t?password=****&sslmode=disable");
    CHECK(maskPassword("host=h password=secret dbname=t") == "host=h password=**** dbname=t");
    CHECK(maskPassword("host=h password = 'se cret' dbname=t") ==
          "host=h password = **** dbname=t");
    CHECK(maskPassword("sslpassword=k1 host=h") == "sslpassword=**** host=h");
}

TEST_CASE("mask: a password holding '@', ':' or '/' is masked whole", "[mask]") {
    const auto masked = maskPassword("postgresql://app:p@ss:w/rd@h/t");
    CHECK(masked.find("p@ss") == std::string::npos);
    CHECK(masked.find("rd") == std::string::npos);
}

TEST_CASE("mask: nothing that merely contains 'password' in a name is touched", "[mask]") {
    CHECK(maskPassword("mypassword_hint=x") == "mypassword_hint=x");
}

TEST_CASE("mask: malformed and empty inputs never throw", "[mask]") {
    for (const char* text : {"", "://", "postgresql://", "postgresql://:@", "password=",
                             "password='unterminated", "@@@::"}) {
        CHECK_NOTHROW(maskPassword(text));
    }
    CHECK(maskPassword("password='unterminated secret").find("secret") == std::string::npos);
}

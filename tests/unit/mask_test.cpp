// mask_password: the one function between a password and a log line.
#include <catch2/catch.hpp>

#include "testdb/config.hpp"

using testdb::mask_password;

TEST_CASE("mask: URI user info password", "[mask]") {
    CHECK(mask_password("postgresql://app:secret@h:5432/t") == "postgresql://app:****@h:5432/t");
}

TEST_CASE("mask: user without password is left alone", "[mask]") {
    CHECK(mask_password("postgresql://app@h/t") == "postgresql://app@h/t");
    CHECK(mask_password("postgresql://h:5432/t") == "postgresql://h:5432/t");
}

TEST_CASE("mask: password= in the query and in key=value strings", "[mask]") {
    CHECK(mask_password("postgresql://h/t?password=secret&sslmode=disable") ==
          "postgresql://h/t?password=****&sslmode=disable");
    CHECK(mask_password("host=h password=secret dbname=t") == "host=h password=**** dbname=t");
    CHECK(mask_password("host=h password = 'se cret' dbname=t") ==
          "host=h password = **** dbname=t");
    CHECK(mask_password("sslpassword=k1 host=h") == "sslpassword=**** host=h");
}

TEST_CASE("mask: a password holding '@', ':' or '/' is masked whole", "[mask]") {
    const auto masked = mask_password("postgresql://app:p@ss:w/rd@h/t");
    CHECK(masked.find("p@ss") == std::string::npos);
    CHECK(masked.find("rd") == std::string::npos);
}

TEST_CASE("mask: nothing that merely contains 'password' in a name is touched", "[mask]") {
    CHECK(mask_password("mypassword_hint=x") == "mypassword_hint=x");
}

TEST_CASE("mask: malformed and empty inputs never throw", "[mask]") {
    for (const char* text : {"", "://", "postgresql://", "postgresql://:@", "password=",
                             "password='unterminated", "@@@::"}) {
        CHECK_NOTHROW(mask_password(text));
    }
    CHECK(mask_password("password='unterminated secret").find("secret") == std::string::npos);
}

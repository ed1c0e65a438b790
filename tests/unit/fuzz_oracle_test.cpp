// The fuzzers' password oracle (fuzz/fuzz_support.hpp), tested on its own:
// it must report a printer that leaks, and must not report testdb's masking
// or a coincidental spelling. A broken oracle would make every fuzzing run
// pass (or fail) whatever testdb does.
#include <catch2/catch.hpp>

#include <string>

#include "fuzz/fuzz_support.hpp"
#include "testdb/config.hpp"

namespace {

std::string unmasked(const std::string& input) {
    return "printed: " + input;
}
std::string masked(const std::string& input) {
    return testdb::maskPassword(input);
}

}  // namespace

TEST_CASE("fuzz oracle: a printer that masks nothing leaks every kind of password", "[fuzz]") {
    CHECK(fuzz::leaked_password("postgresql://app:secretpw@h/db", unmasked) == "secretpw");
    CHECK(fuzz::leaked_password("host=h password=secretvalue", unmasked) == "secretvalue");
    CHECK(fuzz::leaked_password("postgresql://h/db?password=secretvalue&x=1", unmasked) ==
          "secretvalue");
    CHECK(fuzz::leaked_password("host=h password='abcd efgh'", unmasked) == "abcd efgh");
    CHECK(fuzz::leaked_password("host=h sslpassword=keyphrase", unmasked) == "keyphrase");
    CHECK(fuzz::leaked_password("postgresql://app:p%40ss%3Aw@h/db", unmasked) == "p%40ss%3Aw");
}

TEST_CASE("fuzz oracle: maskPassword's output leaks nothing", "[fuzz]") {
    for (const char* input : {"postgresql://app:secretpw@h/db", "host=h password=secretvalue",
                              "postgresql://h/db?password=secretvalue&x=1",
                              "host=h password='abcd efgh'", "postgresql://app:p%40ss%3Aw@h/db"}) {
        CAPTURE(input);
        CHECK_FALSE(fuzz::leaked_password(input, masked));
    }
}

TEST_CASE("fuzz oracle: short passwords and the mask itself are not checked", "[fuzz]") {
    CHECK_FALSE(fuzz::leaked_password("postgresql://app:abc@h/db", unmasked));
    CHECK_FALSE(fuzz::leaked_password("host=h password=****", unmasked));
}

TEST_CASE("fuzz oracle: text that stays when the password changes is no leak", "[fuzz]") {
    // The same text as the host: "hostname" is printed as the host.
    CHECK_FALSE(fuzz::leaked_password("postgresql://u:hostname@hostname/db", unmasked));
    // A password's tail spelled again by the input's end and the printer's
    // own wording (":b" + "`. "): changing the password's letters keeps the
    // input's shape, so the second spelling stays and is seen as wording.
    const auto quoted = [](const std::string& input) {
        return "in `" + testdb::maskPassword(input) + "`. Write one setting per line";
    };
    CHECK_FALSE(fuzz::leaked_password("password=x://u::b`. @h/db?a=x://u:s@h:b", quoted));
}

TEST_CASE("fuzz oracle: a stand-in keeps the password's shape", "[fuzz]") {
    CHECK(fuzz::stand_in_for(":b`. ") == ":Q`. ");
    CHECK(fuzz::stand_in_for("Q1 z") == "Z7 Z");
    CHECK(fuzz::stand_in_for("!@#$") == "QQQQ");
}

TEST_CASE("fuzz oracle: a finding shows control bytes of a password as \\x escapes", "[fuzz]") {
    CHECK(fuzz::escaped(std::string("\0ab\xff", 4)) == "\\x00ab\\xff");
    CHECK(fuzz::escaped("plain text") == "plain text");
}

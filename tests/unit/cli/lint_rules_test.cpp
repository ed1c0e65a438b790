// `testdb lint`: each rule flags its bad snippet and leaves the good one
// alone (harness/cli/lint_rules.hpp).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lint_rules.hpp"

using Catch::Matchers::Contains;
using testdb::cli::LintFinding;
using testdb::cli::lint_source;

namespace {

// The rules flagged, in order, as "line:rule".
std::vector<std::string> flagged(const std::string& path, const std::string& text) {
    std::vector<std::string> out;
    for (const LintFinding& f : lint_source(path, text)) {
        CHECK(f.file == path);
        CHECK_FALSE(f.message.empty());
        out.push_back(std::to_string(f.line) + ":" + f.rule);
    }
    return out;
}

using Found = std::vector<std::string>;

}  // namespace

TEST_CASE("lint: raw-connection flags connections opened outside the pool", "[cli][lint]") {
    CHECK(flagged("orders_test.cpp",
                  "#include <pqxx/pqxx>\n"
                  "void f() {\n"
                  "    pqxx::connection c{\"postgresql:///x\"};\n"
                  "    PGconn* raw = PQconnectdb(\"dbname=x\");\n"
                  "    pqxx::lazyconnection lazy;\n"
                  "}\n") == Found{"3:raw-connection", "4:raw-connection", "5:raw-connection"});
    CHECK(lint_source("orders_test.cpp", "pqxx::connection c{url};\n").front().message ==
          "pqxx::connection opens a connection outside testdb's pool; use "
          "testdb::withTransaction(), withConnection() or getTestDb().acquire()");
    // Using the pool's connection, or naming the type in a comment or string, is fine.
    CHECK(flagged("orders_test.cpp",
                  "void f(testdb::Lease& lease) {\n"
                  "    pqxx::connection& c = lease.connection();\n"
                  "    pqxx::connection* p = &c;\n"
                  "    // pqxx::connection c2{url}; PQconnectdb(\"x\");\n"
                  "    const char* text = \"pqxx::connection c{url}\";\n"
                  "    (void)p; (void)text;\n"
                  "}\n")
              .empty());
}

TEST_CASE("lint: generic-slug flags slugs other files use too, or not derived from the file",
          "[cli][lint]") {
    const std::string context = "auto& ctx = testdb::context();\n";  // so no-context is quiet
    CHECK(flagged("orders_test.cpp", context +
                                         "auto a = tenants.create(\"test-tenant\");\n"
                                         "auto b = Tenant().slug(\"tenant\");\n"
                                         "auto c = Tenant().slug(\"billing-a\");\n"
                                         "std::string slug = \"default\";\n") ==
          Found{"2:generic-slug", "3:generic-slug", "4:generic-slug", "5:generic-slug"});
    CHECK_THAT(lint_source("orders_test.cpp", "auto c = Tenant().slug(\"billing-a\");\n")
                   .front()
                   .message,
               Contains("not derived from this file") && Contains("\"orders\""));
    // Slugs of this file, test names and the column name "slug" are fine.
    CHECK(flagged("orders_test.cpp",
                  context + "TEST_CASE(\"test\", \"[orders]\") {\n"
                  "    auto a = Tenant().slug(\"orders\");\n"
                  "    auto b = Tenant().slug(\"orders-second\");\n"
                  "    params = {{\"slug\", value}};\n"
                  "    SECTION(\"tenant-a\") {}\n"
                  "}\n")
              .empty());
}

TEST_CASE("lint: no-context flags a test file using tenants without the test context",
          "[cli][lint]") {
    const std::string uses = "TEST_CASE(\"x\") {\n    auto order = Factory(lease).create();\n}\n";
    CHECK(flagged("orders_test.cpp", uses) == Found{"2:no-context"});
    CHECK(flagged("orders_test.cpp", "auto& ctx = testdb::context();\n" + uses).empty());
    CHECK(flagged("orders_test.cpp", "TESTDB_X = testdb::setupCompleteIntegrationTest();\n" + uses)
              .empty());
    CHECK(flagged("factories.hpp", uses).empty());  // headers: the including file takes it
}

TEST_CASE("lint: allow comments exempt one line or the whole file", "[cli][lint]") {
    const std::string bad = "pqxx::connection c{url};";
    CHECK(flagged("orders_test.cpp", bad + " // testdb-lint: allow raw-connection\n").empty());
    CHECK(flagged("orders_test.cpp", bad + " // testdb-lint: allow all\n").empty());
    // Another rule's allowance does not exempt this one.
    CHECK(flagged("orders_test.cpp", bad + " // testdb-lint: allow generic-slug\n") ==
          Found{"1:raw-connection"});
    CHECK(flagged("orders_test.cpp",
                  "// testdb-lint: allow-file raw-connection (tests the refusal itself)\n" + bad +
                      "\n" + bad + "\n")
              .empty());
    // Only the line carrying it.
    CHECK(flagged("orders_test.cpp", bad + " // testdb-lint: allow raw-connection\n" + bad +
                                         "\n") == Found{"2:raw-connection"});
}

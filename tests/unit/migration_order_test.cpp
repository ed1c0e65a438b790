// The order of a migrations directory and the pieces of a failure message:
// the traps a sorted `ls` falls in, and refusals naming the files.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "harness/schema/migration_source.hpp"
#include "harness/schema/schema_apply.hpp"
#include "testdb/errors.hpp"

using testdb::detail::MigrationLayout;
using testdb::detail::orderMigrations;
using Names = std::vector<std::string>;

namespace {
std::string refusal(const Names& names) {
    try {
        orderMigrations("db/migrations", names);
    } catch (const testdb::ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}
}  // namespace

TEST_CASE("migrations: numeric prefixes compare as numbers, not text", "[migrations]") {
    const auto order = orderMigrations("d", {"10_y.sql", "2_x.sql", "1_a.sql", "README.md"});
    CHECK(order.layout == MigrationLayout::Numbered);
    CHECK(order.apply == Names{"1_a.sql", "2_x.sql", "10_y.sql"});
    CHECK(orderMigrations("d", {"010-b.sql", "9-a.sql"}).apply == Names{"9-a.sql", "010-b.sql"});
}

TEST_CASE("migrations: timestamps order as numbers of any length", "[migrations]") {
    const auto order = orderMigrations(
        "d", {"20240102000000_b.sql", "20231231235959_a.sql", "99999999999999999999999_c.sql"});
    CHECK(order.apply ==
          Names{"20231231235959_a.sql", "20240102000000_b.sql", "99999999999999999999999_c.sql"});
}

TEST_CASE("migrations: Flyway dotted versions compare part by part", "[migrations]") {
    const auto order = orderMigrations(
        "d", {"V1.10__ten.sql", "V1.9__nine.sql", "V2__two.sql", "V1__one.sql", "V1_2__two.sql",
              "U1.9__undo.sql"});
    CHECK(order.layout == MigrationLayout::Flyway);
    CHECK(order.apply ==
          Names{"V1__one.sql", "V1_2__two.sql", "V1.9__nine.sql", "V1.10__ten.sql", "V2__two.sql"});
    REQUIRE(order.ignored.size() == 1);
    CHECK(order.ignored[0].find("U1.9__undo.sql") == 0);
}

TEST_CASE("migrations: Flyway repeatable migrations are refused, never applied", "[migrations]") {
    const std::string message = refusal({"V1__one.sql", "R__views.sql"});
    CHECK(message.find("ConfigError: ") == 0);
    CHECK(message.find("R__views.sql") != std::string::npos);
    CHECK(message.find("MIGRATE_COMMAND") != std::string::npos);
}

TEST_CASE("migrations: golang-migrate applies .up.sql and ignores .down.sql", "[migrations]") {
    const auto order = orderMigrations(
        "d", {"10_c.up.sql", "10_c.down.sql", "2_b.up.sql", "2_b.down.sql", "1_a.up.sql"});
    CHECK(order.layout == MigrationLayout::GolangMigrate);
    CHECK(order.apply == Names{"1_a.up.sql", "2_b.up.sql", "10_c.up.sql"});
    CHECK(order.ignored.size() == 2);
}

TEST_CASE("migrations: duplicate versions are refused, naming both files", "[migrations]") {
    const std::string message = refusal({"1_a.sql", "01_b.sql", "2_c.sql"});
    CHECK(message.find("same version") != std::string::npos);
    CHECK(message.find("1_a.sql") != std::string::npos);
    CHECK(message.find("01_b.sql") != std::string::npos);
    CHECK(refusal({"V1__a.sql", "V1.0__b.sql"}).find("same version") != std::string::npos);
}

TEST_CASE("migrations: mixed layouts and unversioned files are refused", "[migrations]") {
    const std::string mixed = refusal({"V1__a.sql", "2_b.sql"});
    CHECK(mixed.find("mixes layouts") != std::string::npos);
    CHECK(mixed.find("V1__a.sql") != std::string::npos);
    CHECK(mixed.find("2_b.sql") != std::string::npos);
    CHECK(refusal({"1_a.up.sql", "2_b.sql"}).find("mixes layouts") != std::string::npos);
    CHECK(refusal({"1_a.sql", "seed.sql"}).find("seed.sql, whose name carries no version") !=
          std::string::npos);
    CHECK(refusal({"notes.txt"}).find("no migration to apply") != std::string::npos);
}

TEST_CASE("migrations: dbmate applies only the up section, from its line", "[migrations]") {
    const std::string text =
        "-- a comment\n-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n";
    const auto up = testdb::detail::dbmateUpSection("1_a.sql", text);
    CHECK(up.sql == "CREATE TABLE a (id int);\n\n");
    CHECK(up.first_line == 3);
    CHECK(up.transactional);
    CHECK_FALSE(testdb::detail::dbmateUpSection("2_b.sql", "-- migrate:up transaction:false\nX;\n")
                    .transactional);
    CHECK_THROWS_AS(testdb::detail::dbmateUpSection("3_c.sql", "CREATE TABLE c ();\n"),
                    testdb::ConfigError);
}

TEST_CASE("migrations: the hash is SHA-256", "[migrations]") {
    CHECK(testdb::detail::sha256Hex("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("migrations: a server error's LINE maps to the statement", "[migrations]") {
    const std::string sql = "CREATE TABLE a (id int);\nCREATE TABLE b (\n  id int,\n  x nosuchtype\n);\n";
    const std::string message =
        "ERROR:  type \"nosuchtype\" does not exist\nLINE 4:   x nosuchtype\n      ^\n";
    CHECK(testdb::detail::error_line(message) == 4);
    CHECK(testdb::detail::statement_at(sql, 4) == "CREATE TABLE b (\n  id int,\n  x nosuchtype\n);");
    CHECK(testdb::detail::statement_at(sql, 1) == "CREATE TABLE a (id int);");
    CHECK(testdb::detail::error_line("ERROR:  relation \"x\" does not exist") == 0);
    CHECK(testdb::detail::statement_at(sql, 0).empty());
}

// Migrations against the real server, through applySchemaOnce(): once per
// content hash, a changed file rebuilding the database, a failure reported
// at file:line with nothing half-applied, and two processes racing.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <string>

#include <pqxx/nontransaction>

#include "../integration/child_process.hpp"
#include "testdb/errors.hpp"
#include "testdb/schema.hpp"
#include "testdb/testdb.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

// A copy of a fixture (or an empty directory) this test may change, and an
// empty database to apply it to (the tests share one server).
fs::path scratch(const std::string& name, const std::string& fixture = "") {
    testdb::withConnection(testdb::getTestDb().pool(), [](pqxx::connection& conn) {
        pqxx::nontransaction(conn).exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    });
    const fs::path dir = fs::temp_directory_path() /
                         ("testdb-migrations-" + testdb::runToken() + "-" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    if (!fixture.empty()) {
        fs::copy(fs::path(TESTDB_MIGRATION_FIXTURES) / fixture, dir);
    }
    return dir;
}

void write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

std::string value(const std::string& sql, const std::string& param = "") {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        const auto row = param.empty() ? testdb::queryRow(tx, sql) : testdb::queryRow(tx, sql, param);
        return row[0].is_null() ? std::string("(null)") : row[0].as<std::string>();
    });
}

std::string applied_log() { return value("SELECT string_agg(name, ',' ORDER BY seq) FROM migration_log"); }

bool apply(const fs::path& dir) { return testdb::applySchemaOnce(testdb::getTestDb().pool(), dir); }

testdb::SchemaError failure_of(const fs::path& dir) {
    try {
        apply(dir);
    } catch (const testdb::SchemaError& e) {
        return e;
    }
    FAIL("applySchemaOnce(" << dir << ") did not throw SchemaError");
    throw;  // not reached
}

}  // namespace

TEST_CASE("apply: a hash hit applies nothing; a changed file rebuilds", "[migrations]") {
    const fs::path dir = scratch("changed", "numbered");
    CHECK(apply(dir));
    CHECK_FALSE(apply(dir));  // the same hash: nothing runs twice
    CHECK(applied_log() == "1,2,10");
    value("INSERT INTO widgets (tenant_id) VALUES (1) RETURNING id");
    // One byte changed in an applied file: the database is rebuilt and the
    // set applied from its first file, never on top of the old version.
    write(dir / "10_widget_label.sql",
          "ALTER TABLE widgets ADD COLUMN label text NOT NULL DEFAULT 'x';\n"
          "INSERT INTO migration_log (name) VALUES ('10');\n");
    CHECK(apply(dir));
    CHECK(applied_log() == "1,2,10");
    CHECK(value("SELECT count(*) FROM widgets") == "0");
    CHECK(value("SELECT column_default FROM information_schema.columns"
                " WHERE table_name = 'widgets' AND column_name = 'label'") == "'x'::text");
    // A new file is a new hash too.
    write(dir / "11_more.sql", "INSERT INTO migration_log (name) VALUES ('11');\n");
    CHECK(apply(dir));
    CHECK(applied_log() == "1,2,10,11");
    CHECK(value("SELECT hash FROM testdb_schema_state WHERE source = $1",
                fs::weakly_canonical(dir).string()) == testdb::migrationHash(dir));
}

TEST_CASE("apply: a failing migration names file:line and the statement, applies nothing",
          "[migrations]") {
    const fs::path dir = scratch("broken", "broken");
    const testdb::SchemaError e = failure_of(dir);
    CHECK_THAT(e.what(), Contains("SchemaError: the migration ") &&
                             Contains("2_broken.sql:6 failed") && Contains("no_such_type"));
    CHECK(e.file() == (dir / "2_broken.sql").string());
    CHECK(e.line() == 6);
    CHECK_THAT(e.statement(), Contains("CREATE TABLE gadgets (") && Contains("no_such_type NOT NULL"));
    CHECK_THAT(e.statement(), !Contains("widgets"));
    // One transaction: neither the first file nor the state stayed applied.
    CHECK(value("SELECT to_regclass('migration_log')::text") == "(null)");
    CHECK(value("SELECT to_regclass('gadgets')::text") == "(null)");
    CHECK(value("SELECT to_regclass('testdb_schema_state')::text") == "(null)");
}

TEST_CASE("apply: a dbmate error's line counts from the top of the file", "[migrations]") {
    const fs::path dir = scratch("dbmate-broken");
    write(dir / "20240101000000_a.sql",
          "-- migrate:up\nCREATE TABLE dbmate_a (id int);\nSELEC 2;\n-- migrate:down\nDROP TABLE dbmate_a;\n");
    const testdb::SchemaError e = failure_of(dir);
    CHECK(e.line() == 3);
    CHECK_THAT(e.what(), Contains("20240101000000_a.sql:3 failed") && Contains("SELEC"));
}

TEST_CASE("apply: a failed non-transactional migration is rebuilt on the next run",
          "[migrations]") {
    const fs::path dir = scratch("dbmate-incomplete", "dbmate");
    const fs::path index = dir / "20240115120000_widget_index.sql";
    write(index, "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY widgets_tenant"
                 " ON widgets (tenant_id) WHER true;\n");
    CHECK(failure_of(dir).line() == 2);
    const std::string source = fs::weakly_canonical(dir).string();
    CHECK(value("SELECT complete::text FROM testdb_schema_state WHERE source = $1", source) == "false");
    write(index, "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY widgets_tenant"
                 " ON widgets (tenant_id);\n");
    // Rebuilt from the first file: applying on top would fail at CREATE TABLE.
    CHECK(apply(dir));
    CHECK(applied_log() == "20240101000000,20240102093000");
    CHECK(value("SELECT to_regclass('widgets_tenant') IS NOT NULL") == "t");
    CHECK(value("SELECT complete::text FROM testdb_schema_state WHERE source = $1", source) == "true");
}

TEST_CASE("apply: two processes racing apply the migrations once", "[migrations]") {
    const fs::path dir = scratch("race", "numbered");
    // A slow first migration: without the advisory lock both would run it.
    write(dir / "1_log.sql",
          "SELECT pg_sleep(0.5);\nCREATE TABLE tenants (id bigserial PRIMARY KEY, slug text NOT NULL UNIQUE);\n"
          "CREATE TABLE migration_log (seq bigserial PRIMARY KEY, name text NOT NULL);\n"
          "INSERT INTO migration_log (name) VALUES ('1');\n");
    const std::map<std::string, std::string> env{
        {"DATABASE_URL_TEST", testdb::getTestDb().config().libpq_url},
        {"TESTDB_SCHEMA", dir.string()},
        {"TESTDB_EXPECTED_MIGRATIONS", "1,2,10"}};
    auto run = [&] { return child::run(TESTDB_LAYOUT_SUITE, "", env); };
    auto first = std::async(std::launch::async, run);
    auto second = std::async(std::launch::async, run);
    const child::Result a = first.get();
    const child::Result b = second.get();
    CHECK(a.exit_code == 0);
    CHECK(b.exit_code == 0);
    INFO(a.output << "\n----\n" << b.output);
    CHECK(applied_log() == "1,2,10");
}

TEST_CASE("apply: MIGRATE_COMMAND runs against the test database, once per input hash",
          "[migrations]") {
    const fs::path dir = scratch("command");
    write(dir / "deploy.sql", "CREATE TABLE command_made (id int);\n"
                              "INSERT INTO command_made VALUES (1);\n");
    // psql, a libpq tool, finds the test database through the PG* variables alone.
    const std::string command = "cd " + dir.string() + " && psql -X -q -v ON_ERROR_STOP=1 -f deploy.sql";
    testdb::Pool& pool = testdb::getTestDb().pool();
    CHECK(testdb::applyMigrateCommandOnce(pool, command, dir.string()));
    CHECK(value("SELECT count(*) FROM command_made") == "1");
    // The same files through a glob: the same hash, so nothing runs.
    CHECK_FALSE(testdb::applyMigrateCommandOnce(pool, command, (dir / "*.sql").string()));
    write(dir / "deploy.sql", "CREATE TABLE command_made (id int);\n");
    // A changed input rebuilds the database: the old table (and row) are gone.
    CHECK(testdb::applyMigrateCommandOnce(pool, command, (dir / "*.sql").string()));
    CHECK(value("SELECT count(*) FROM command_made") == "0");
    CHECK_THROWS_WITH(testdb::applyMigrateCommandOnce(pool, command, (dir / "*.txt").string()),
                      Contains("ConfigError: the MIGRATE_INPUTS entry") && Contains("*.txt"));
}

TEST_CASE("apply: a failing MIGRATE_COMMAND names the command, exit status and last lines",
          "[migrations]") {
    const fs::path dir = scratch("command-fails");
    write(dir / "inputs.sql", "-- what the command would apply\n");
    const std::string command = "echo applying; echo 'relation \"x\" does not exist' >&2; exit 3";
    try {
        testdb::applyMigrateCommandOnce(testdb::getTestDb().pool(), command, dir.string());
        FAIL("the failing command was not reported");
    } catch (const testdb::SchemaError& e) {
        CHECK_THAT(e.what(), Contains("SchemaError: MIGRATE_COMMAND `" + command + "` failed") &&
                                 Contains("exit status 3") && Contains("applying") &&
                                 Contains("relation \"x\" does not exist"));
        CHECK(e.file() == command);
    }
    // Marked incomplete: the next run rebuilds before it runs the command again.
    CHECK(value("SELECT complete::text FROM testdb_schema_state WHERE source = $1",
                "command: " + command) == "false");
}

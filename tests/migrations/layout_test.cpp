// One suite for every migrations layout and tier: ctest sets TESTDB_SCHEMA
// to a fixture directory, TESTDB_ISOLATION to the tier, and what the
// fixture must leave behind (tests/migrations/CMakeLists.txt).
#include <cstdlib>
#include <string>

#include "testdb/catch.hpp"
#include "testdb/lifecycle.hpp"
#include "testdb/schema.hpp"
#include "testdb/testdb.hpp"

namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? "" : value;
}

std::string value_of(const std::string& sql, const std::string& param = "") {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        const auto row = param.empty() ? testdb::queryRow(tx, sql) : testdb::queryRow(tx, sql, param);
        return row[0].is_null() ? std::string("(null)") : row[0].as<std::string>();
    });
}

}  // namespace

TEST_CASE("layout: every migration applied once, in version order", "[migrations]") {
    REQUIRE_FALSE(env("TESTDB_EXPECTED_MIGRATIONS").empty());
    CHECK(value_of("SELECT string_agg(name, ',' ORDER BY seq) FROM migration_log") ==
          env("TESTDB_EXPECTED_MIGRATIONS"));
    CHECK(value_of("SELECT to_regclass('widgets') IS NOT NULL") == "t");
}

TEST_CASE("layout: the fixture's last migration took effect", "[migrations]") {
    const std::string relation = env("TESTDB_EXPECTED_RELATION");
    if (!relation.empty()) {
        CHECK(value_of("SELECT to_regclass($1) IS NOT NULL", relation) == "t");
    } else {
        CHECK(value_of("SELECT count(*) FROM information_schema.columns"
                       " WHERE table_name = 'widgets' AND column_name = 'label'") == "1");
    }
}

TEST_CASE("layout: the content hash is recorded where the tier keeps it", "[migrations]") {
    // A migrations directory's hash is migrationHash(); a MIGRATE_COMMAND's
    // covers its inputs and is recorded under the command.
    const std::string command = env("TESTDB_MIGRATE_COMMAND");
    const std::string hash =
        command.empty() ? testdb::migrationHash(testdb::suiteSettings().schema_file)
                        : value_of("SELECT hash FROM testdb_schema_state WHERE source = $1",
                                   "command: " + command);
    CHECK(hash.size() == 64);
    CHECK(value_of("SELECT hash || ' ' || complete FROM testdb_schema_state") == hash + " true");
    if (testdb::suiteIsolation() == testdb::Isolation::Database) {
        // The database tier bakes the migrations into a template named by the hash.
        const std::string tpl = "testdb_tpl_" + hash.substr(0, 40);
        CHECK(value_of("SELECT count(*) FROM pg_database WHERE datname = $1 AND datistemplate",
                       tpl) == "1");
        CHECK(value_of("SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                       " WHERE datname = $1", tpl)
                  .find(hash) != std::string::npos);
        CHECK(value_of("SELECT current_database()").rfind("testdb_run_", 0) == 0);
    }
}

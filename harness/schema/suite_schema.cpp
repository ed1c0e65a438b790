// The suite's schema at run start: SCHEMA or MIGRATE_COMMAND, applied once
// per content hash through the session's pool.
#include "harness/schema/suite_schema.hpp"

#include "harness/common/log.hpp"
#include "harness/schema/schema_apply.hpp"
#include "testdb/config.hpp"
#include "testdb/pool.hpp"
#include "testdb/test_db.hpp"

namespace testdb {
namespace detail {
namespace {

bool apply_set(Pool& pool, const MigrationSet& set) {
    return withConnection(
        pool, [&](pqxx::connection& conn) { return apply_migrations(conn, set, pool.config()); },
        "testdb: apply schema");
}

}  // namespace

bool has_schema(const SuiteSettings& suite) {
    return !suite.schema_file.empty() || setting("TESTDB_MIGRATE_COMMAND").has_value();
}

MigrationSet suite_migrations(const SuiteSettings& suite) {
    const std::optional<std::string> command = setting("TESTDB_MIGRATE_COMMAND");
    if (!command) return loadMigrations(suite.schema_file);
    if (!suite.schema_file.empty()) {
        log().warn("suite {}: TESTDB_MIGRATE_COMMAND is set, so SCHEMA ({}) is not applied",
                   suite.name, suite.schema_file);
    }
    return commandMigrations(*command, setting("TESTDB_MIGRATE_INPUTS").value_or(""));
}

bool apply_suite_schema(Pool& pool, const SuiteSettings& suite) {
    return apply_set(pool, suite_migrations(suite));
}

}  // namespace detail

bool applySchemaOnce(Pool& pool, const std::filesystem::path& file) {
    return detail::apply_set(pool, detail::loadMigrations(file));
}

bool applyMigrateCommandOnce(Pool& pool, const std::string& command, const std::string& inputs) {
    return detail::apply_set(pool, detail::commandMigrations(command, inputs));
}

}  // namespace testdb

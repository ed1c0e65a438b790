// Private: the suite's schema as the lifecycle applies it at run start,
// from SCHEMA (a file or a migrations directory) or MIGRATE_COMMAND.
#pragma once

#include "harness/schema/migration_source.hpp"
#include "testdb/lifecycle.hpp"

namespace testdb {
class Pool;
}

namespace testdb::detail {

/// True when the suite names a schema: SCHEMA, or the setting
/// TESTDB_MIGRATE_COMMAND (environment or .env.test).
bool has_schema(const SuiteSettings& suite);

/// What the suite's schema stands for: TESTDB_MIGRATE_COMMAND with
/// TESTDB_MIGRATE_INPUTS when set (SCHEMA is then ignored, with a
/// warning), else SCHEMA's files.
MigrationSet suite_migrations(const SuiteSettings& suite);

/// Applies suite_migrations(suite) through `pool` once per content hash.
bool apply_suite_schema(Pool& pool, const SuiteSettings& suite);

}  // namespace testdb::detail

/// @file schema.hpp
/// @brief Applying a suite's schema once per schema version.
#pragma once

#include <filesystem>
#include <string>

namespace testdb {

class Pool;

/// Applies the schema `file` names to the test database unless the same
/// content hash was applied there before (recorded per source in the table
/// `testdb_schema_state`). `file` is one .sql file or a directory of
/// migrations (numbered or timestamped `<n>_<name>.sql`, Flyway
/// `V<version>__<name>.sql`, golang-migrate `<n>_<name>.up.sql`, dbmate files
/// with `-- migrate:up`), applied in version order in one transaction.
/// Concurrent processes take an advisory lock, so only one applies it.
/// A directory whose content changed rebuilds the database (every
/// non-system schema is dropped; the safety guard must allow it); a single
/// file is applied on top of its older version, so write it idempotently
/// (CREATE ... IF NOT EXISTS) when the database is shared. Returns true when
/// it ran SQL. Throws SchemaError naming the file and line when a migration
/// fails, ConfigError when the files cannot be read or ordered.
bool applySchemaOnce(const std::filesystem::path& file);
/// The same, through `pool` (the lifecycle passes the session's pool).
bool applySchemaOnce(Pool& pool, const std::filesystem::path& file);

/// Runs `command` (a shell command line such as `sqitch deploy`) against
/// the test database of `pool` unless the content hash of `inputs` (files,
/// directories or globs separated by ';' or ',') and the command's text was
/// applied there before. The command gets DATABASE_URL and libpq's PG*
/// variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE) naming that
/// database; its output goes to the log. A changed hash rebuilds the
/// database first, as for a migrations directory. Returns true when it ran.
/// Throws SchemaError naming the command, its exit status and last lines
/// when it fails; ConfigError when `inputs` names no file.
bool applyMigrateCommandOnce(Pool& pool, const std::string& command, const std::string& inputs);

/// FNV-1a of `sql` (hex): the hash earlier versions recorded. Kept for
/// callers; applySchemaOnce() now records migrationHash().
std::string schemaHash(const std::string& sql);

/// The content hash applySchemaOnce() records for `schema` (a .sql file or a
/// migrations directory): SHA-256, hex, over each applied file's name and
/// bytes in order. ConfigError as applySchemaOnce() when it cannot be read.
std::string migrationHash(const std::filesystem::path& schema);

}  // namespace testdb

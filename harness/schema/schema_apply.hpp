// Private: applying a suite's migrations on a given connection (shared by
// applySchemaOnce() and the database tier's template build).
#pragma once

#include <string>

#include <pqxx/connection>

#include "harness/schema/migration_source.hpp"

namespace testdb {
struct Config;
}

namespace testdb::detail {

/// Applies `set` on `conn` unless the table testdb_schema_state records its
/// hash, complete, for its source. Serialised across processes by an
/// advisory lock. A directory whose recorded hash differs (or whose last
/// apply did not complete) rebuilds the database first: every schema but
/// the system ones is dropped. A single file is applied on top, as before.
/// True when it ran SQL; SchemaError naming file:line when a migration fails.
/// `target` is the database `conn` is on (MIGRATE_COMMAND connects to it).
bool apply_migrations(pqxx::connection& conn, const MigrationSet& set, const Config& target);

/// Runs set.command (the Command layout) with `target` in its environment
/// (DATABASE_URL and libpq's PG* variables), its output to the log.
/// SchemaError naming the command, its exit status and last lines on failure.
void run_migrate_command(const MigrationSet& set, const Config& target);

/// The line within `sql` libpq's error text `message` points at ("LINE 3:"),
/// 0 when it names none.
int error_line(const std::string& message);

/// The statement of `sql` around its line `line` (from the `;` before that
/// line to the `;` after it), trimmed; "" when `line` is 0.
std::string statement_at(const std::string& sql, int line);

}  // namespace testdb::detail

// Private: applying a schema file on a given connection (shared by
// applySchemaOnce() and the database tier's template build).
#pragma once

#include <filesystem>
#include <string>

#include <pqxx/connection>

namespace testdb::detail {

/// The text of a schema file; ConfigError naming the path when unreadable.
std::string read_schema(const std::filesystem::path& file);

/// Applies `sql` once per hash on `conn` (recorded in testdb_schema_versions,
/// serialised by an advisory transaction lock). True when it ran.
bool apply_schema(pqxx::connection& conn, const std::filesystem::path& file,
                  const std::string& sql);

}  // namespace testdb::detail

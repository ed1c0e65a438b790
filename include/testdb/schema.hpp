/// @file schema.hpp
/// @brief Applying a suite's schema once per schema version.
#pragma once

#include <filesystem>
#include <string>

namespace testdb {

class Pool;

/// Applies the SQL in `file` to the test database unless a schema with the
/// same content hash was applied there before (recorded in the table
/// `testdb_schema_versions`). Concurrent processes take an advisory lock, so
/// only one applies it. Returns true when it ran the SQL. Throws Error naming
/// the file and the server's message when the SQL fails, ConfigError when the
/// file cannot be read. Write schemas that can run on top of an older version
/// (CREATE ... IF NOT EXISTS) when the database is shared.
bool applySchemaOnce(const std::filesystem::path& file);
/// The same, through `pool` (the lifecycle passes the session's pool).
bool applySchemaOnce(Pool& pool, const std::filesystem::path& file);

/// The content hash applySchemaOnce() records (hex, stable across runs).
std::string schemaHash(const std::string& sql);

}  // namespace testdb

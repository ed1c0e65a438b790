/// @file safety.hpp
/// @brief The guard that refuses to delete rows in a database that does not
/// look like a test database.
#pragma once

#include <string>
#include <string_view>

namespace testdb {

struct Config;

/// Throws SafetyGuardError unless it is safe to delete test data in the
/// database `config` names: its name must contain "test" and neither APP_ENV
/// nor NODE_ENV may be "production". TESTDB_ALLOW_ANY_DATABASE=1 overrides.
/// `action` names what was about to happen, for the message.
void requireSafeToDelete(const Config& config, std::string_view action = "clean up");
/// Deprecated spelling of requireSafeToDelete().
[[deprecated("use requireSafeToDelete()")]]
inline void require_safe_to_delete(const Config& config, std::string_view action = "clean up") {
    requireSafeToDelete(config, action);
}

/// Same check on an explicit database name (the one the server reports).
void requireSafeToDelete(std::string_view database_name, std::string_view action);
/// Deprecated spelling of requireSafeToDelete().
[[deprecated("use requireSafeToDelete()")]]
inline void require_safe_to_delete(std::string_view database_name, std::string_view action) {
    requireSafeToDelete(database_name, action);
}

}  // namespace testdb

// The safety guard: testdb deletes rows, so it first proves the database is
// a test database and the environment is not production.
#include "testdb/safety.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "testdb/config.hpp"
#include "testdb/errors.hpp"

namespace testdb {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool overridden() { return setting("TESTDB_ALLOW_ANY_DATABASE") == std::optional<std::string>("1"); }

constexpr std::string_view kOverride =
    " If you are certain this is a disposable test database, set "
    "TESTDB_ALLOW_ANY_DATABASE=1.";

void require_not_production(std::string_view action) {
    for (const char* variable : {"APP_ENV", "NODE_ENV"}) {
        const auto value = setting(variable);
        if (value && lower(*value) == "production") {
            throw SafetyGuardError("testdb refused to " + std::string(action) + ": " + variable +
                                   "=" + *value +
                                   " says this is production. Unset " + variable +
                                   " (or set it to test) for test runs." + std::string(kOverride));
        }
    }
}

// The database libpq connects to when the URL names none: PGDATABASE, the
// user name, PGUSER, then the operating system user.
std::string effective_database(const Config& config) {
    if (!config.dbname.empty()) return config.dbname;
    if (const char* db = std::getenv("PGDATABASE"); db != nullptr && *db != '\0') return db;
    if (!config.user.empty()) return config.user;
    for (const char* variable : {"PGUSER", "USER", "LOGNAME"}) {
        if (const char* v = std::getenv(variable); v != nullptr && *v != '\0') return v;
    }
    return {};
}

}  // namespace

void requireSafeToDelete(std::string_view database_name, std::string_view action) {
    if (overridden()) return;
    require_not_production(action);
    if (lower(database_name).find("test") == std::string::npos) {
        throw SafetyGuardError(
            "testdb refused to " + std::string(action) + " in database '" +
            std::string(database_name) +
            "': its name does not contain \"test\", so it may hold real data. Point "
            "DATABASE_URL_TEST at a test database (e.g. app_test)." + std::string(kOverride));
    }
}

void requireSafeToDelete(const Config& config, std::string_view action) {
    const std::string database = effective_database(config);
    requireSafeToDelete(database.empty() ? std::string("(libpq default)") : database,
                        std::string(action) + " at " + config.endpoint());
}

}  // namespace testdb

#include "testdb/isolation.hpp"

#include <algorithm>
#include <cctype>

#include "testdb/errors.hpp"

namespace testdb {

Isolation parseIsolation(std::string_view text, std::string_view origin) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "tenant") return Isolation::Tenant;
    if (lower == "rollback") return Isolation::Rollback;
    if (lower == "database") return Isolation::Database;
    if (lower == "touched") return Isolation::Touched;
    throw ConfigError(std::string(origin) + "=" + std::string(text) +
                      " is not an isolation tier. Use tenant, rollback, database or touched "
                      "(or nothing: the schema chooses); see README.md, \"Isolation tiers\".");
}

std::string_view isolationName(Isolation isolation) {
    switch (isolation) {
        case Isolation::Rollback: return "rollback";
        case Isolation::Database: return "database";
        case Isolation::Touched: return "touched";
        case Isolation::Tenant: break;
    }
    return "tenant";
}

}  // namespace testdb

#include "testdb/schema.hpp"

#include <cstdint>
#include <sstream>

#include "harness/schema/schema_apply.hpp"
#include "testdb/query.hpp"
#include "testdb/test_db.hpp"

namespace testdb {

std::string schemaHash(const std::string& sql) {
    // FNV-1a, 64 bit: stable across runs and platforms, and enough to tell
    // schema versions of one suite apart (this is no security boundary).
    std::uint64_t hash = 1469598103934665603ULL;
    for (unsigned char c : sql) {
        hash = (hash ^ c) * 1099511628211ULL;
    }
    std::ostringstream out;
    out << std::hex << hash;
    return out.str();
}

std::string migrationHash(const std::filesystem::path& schema) {
    return detail::loadMigrations(schema).hash;
}

bool applySchemaOnce(const std::filesystem::path& file) {
    return applySchemaOnce(getTestDb().pool(), file);
}

}  // namespace testdb

#include "testdb/schema.hpp"

#include <cstdint>
#include <fstream>
#include <sstream>

#include <pqxx/except>
#include <pqxx/result>
#include <pqxx/transaction>

#include "harness/detail/log.hpp"
#include "testdb/errors.hpp"
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

bool applySchemaOnce(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        throw ConfigError("ConfigError: cannot read the schema file " + file.string() +
                          ".\nFix: check the SCHEMA path given to testdb_add_integration_suite "
                          "(or TESTDB_SCHEMA).");
    }
    std::stringstream text;
    text << in.rdbuf();
    const std::string sql = text.str();
    const std::string hash = schemaHash(sql);
    try {
        return withTransaction(
            [&](pqxx::work& tx) {
                // Concurrent processes wait here; the first applies, the rest
                // find the hash recorded. The lock ends with the transaction,
                // so it also works through a transaction-mode pooler.
                tx.exec("SELECT pg_advisory_xact_lock(7318281)");
                tx.exec(
                    "CREATE TABLE IF NOT EXISTS testdb_schema_versions ("
                    " hash text PRIMARY KEY, file text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())");
                if (!tx.exec_params("SELECT 1 FROM testdb_schema_versions WHERE hash = $1", hash)
                         .empty()) {
                    return false;
                }
                tx.exec(sql);
                tx.exec_params("INSERT INTO testdb_schema_versions (hash, file) VALUES ($1, $2)",
                               hash, file.string());
                detail::log().info("applied schema {} ({})", file.string(), hash);
                return true;
            },
            "testdb: apply schema");
    } catch (const pqxx::sql_error& e) {
        throw Error("Error: the schema file " + file.string() + " failed on the test database: " +
                    e.what() + "\nFix: correct the SQL (it runs in one transaction; statements "
                    "must succeed on a database that already has an older schema version).");
    }
}

}  // namespace testdb

#include "testdb/schema.hpp"

#include <cstdint>
#include <fstream>
#include <sstream>

#include <pqxx/except>
#include <pqxx/result>
#include <pqxx/transaction>

#include "harness/common/log.hpp"
#include "harness/schema/schema_apply.hpp"
#include "testdb/errors.hpp"
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

namespace detail {

std::string read_schema(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        throw ConfigError("ConfigError: cannot read the schema file " + file.string() +
                          ".\nFix: check the SCHEMA path given to testdb_add_integration_suite "
                          "(or TESTDB_SCHEMA).");
    }
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool apply_schema(pqxx::connection& conn, const std::filesystem::path& file,
                  const std::string& sql) {
    const std::string hash = schemaHash(sql);
    try {
        pqxx::work tx(conn, "testdb: apply schema");
        // Concurrent processes wait here; the first applies, the rest find
        // the hash recorded. The lock ends with the transaction, so it also
        // works through a transaction-mode pooler.
        tx.exec("SELECT pg_advisory_xact_lock(7318281)");
        tx.exec(
            "CREATE TABLE IF NOT EXISTS testdb_schema_versions ("
            " hash text PRIMARY KEY, file text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())");
        if (!testdb::query(tx, "SELECT 1 FROM testdb_schema_versions WHERE hash = $1", hash).empty()) {
            return false;
        }
        tx.exec(sql);
        testdb::query(tx, "INSERT INTO testdb_schema_versions (hash, file) VALUES ($1, $2)", hash,
                       file.string());
        tx.commit();
        log().info("applied schema {} ({})", file.string(), hash);
        return true;
    } catch (const pqxx::sql_error& e) {
        throw Error("Error: the schema file " + file.string() + " failed on the test database: " +
                    e.what() + "\nFix: correct the SQL (it runs in one transaction; statements "
                    "must succeed on a database that already has an older schema version).");
    }
}

}  // namespace detail

bool applySchemaOnce(const std::filesystem::path& file) {
    return applySchemaOnce(getTestDb().pool(), file);
}

bool applySchemaOnce(Pool& pool, const std::filesystem::path& file) {
    const std::string sql = detail::read_schema(file);
    return withConnection(
        pool,
        [&](pqxx::connection& conn) { return detail::apply_schema(conn, file, sql); },
        "testdb: apply schema");
}

}  // namespace testdb

// Private: which tables hang off the tenant table, which carry its key in a
// column without a foreign key, which the tenant cleanup cannot reach, and
// the SQL that finds or deletes one set of tenants' rows in all of them.
#pragma once

#include <string>
#include <vector>

#include <pqxx/connection>

#include "testdb/config.hpp"
#include "testdb/tenants.hpp"

namespace testdb::detail {

/// A tenant-scoped table and the predicate selecting a tenant set's rows.
struct ScopedTable {
    std::string name;  // regclass text: quoted and search-path relative
    // WHERE clause with the literal token {TENANTS} standing for the
    // predicate on the tenant table itself (e.g. slug IN ('a','b')).
    std::string predicate;
};

/// What the tenant cleanup knows about the test database, read once.
struct TenantCatalog {
    std::string tenant_table;  ///< regclass text of the tenant table
    std::string key_type;      ///< SQL type of its key column, e.g. "bigint"
    std::string tenant_column; ///< the column tenant-scoped tables name the key by
    /// Reached through foreign keys, children first, the tenant table last.
    std::vector<ScopedTable> by_foreign_key;
    /// Carry `tenant_column` but no foreign-key path: cleaned by that column.
    std::vector<ScopedTable> by_column;
    /// The other user tables: rows tests write there cannot be cleaned.
    std::vector<std::string> unreached;
    /// The next transaction id when the catalog was read (txid, as text):
    /// rows written in `unreached` since then are some test case's.
    std::string start_xid;
};

/// Reads the catalog once per process (throws, and tries again next time,
/// when a catalog query fails).
const TenantCatalog& tenant_catalog(pqxx::connection& conn);

/// The catalog if a connection has read it already, else null (so a test
/// that made no tenant costs no round trip to find out).
const TenantCatalog* loaded_tenant_catalog();

/// Every table the cleanup deletes from: by_foreign_key and by_column, the
/// tenant table last.
const std::vector<ScopedTable>& scoped_tables(pqxx::connection& conn);

/// `slug IN ('x','y')` on the tenant table (values quoted on `conn`).
std::string tenant_slug_predicate(pqxx::connection& conn,
                                  const std::vector<std::string>& slugs);

/// `predicate` with {TENANTS} replaced by `tenant_predicate`.
std::string substitute(std::string predicate, const std::string& tenant_predicate);

/// One statement deleting every row of the tenants matched by
/// `tenant_predicate` from every scoped table: data-modifying CTEs that
/// share one snapshot, so foreign keys between the tables (cycles too) are
/// checked when all deletes are done. One round trip, one transaction.
std::string delete_sql(pqxx::connection& conn, const std::string& tenant_predicate);

/// One SELECT returning (table, count) for every scoped table with rows of
/// the tenants matched by `tenant_predicate`.
std::string count_sql(pqxx::connection& conn, const std::string& tenant_predicate);

/// Counts a statement sent by testdb's tenant and factory code.
void count_statement(unsigned long long n = 1) noexcept;

/// Runs the safety guard against the test database once per process (the
/// answer cannot change during a run); throws SafetyGuardError every time
/// until it passes.
void require_guard_passed(const Config& config);

}  // namespace testdb::detail

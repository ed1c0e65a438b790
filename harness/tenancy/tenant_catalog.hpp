// Private: which tables hang off the tenant table, and the SQL that finds or
// deletes one set of tenants' rows in all of them.
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

/// Reads the foreign-key graph once per process; children first, the
/// tenant table last.
const std::vector<ScopedTable>& scoped_tables(pqxx::connection& conn);

/// `slug IN ('x','y')` on the tenant table (values quoted on `conn`).
std::string tenant_slug_predicate(pqxx::connection& conn,
                                  const std::vector<std::string>& slugs);

/// One multi-statement string deleting every row of the tenants matched by
/// `tenant_predicate`, children first. Sent at once it is one round trip and
/// one (implicit) transaction.
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

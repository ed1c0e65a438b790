/// @file isolation.hpp
/// @brief The four isolation tiers a suite can choose (TESTDB_ISOLATION, or
/// ISOLATION on testdb_add_integration_suite).
///
/// With no tier asked for, the schema chooses: tenant when the tenant table
/// (setTenantTable(), "tenants" by default) exists, rollback otherwise (the
/// run's first line says so). Asking for tenant without the table is a
/// ConfigError at run start.
///
/// - tenant: every file's rows belong to its own tenants A and B;
///   each test case ends with one DELETE of those tenants' rows. Tests see
///   each other's commits, so real concurrency works.
/// - rollback: each test case runs inside one transaction on one pinned
///   connection; withTransaction() becomes a SAVEPOINT; the test case ends
///   with ROLLBACK, so nothing is ever committed. A test that needs several
///   connections seeing each other's commits carries the tag [commits] (in
///   GoogleTest: a test suite named `*Commits`) and runs in the tenant tier
///   instead; without a tenant table it gets the touched tier's restore.
/// - database: the process works in its own database cloned from a template
///   built once per schema hash (`testdb_tpl_<hash>`), dropped at the end;
///   tenant cleanup still runs per test case (without a tenant table, the
///   touched tier's restore does).
/// - touched: for code that commits, without tenants. Every user table gets a
///   statement-level trigger noting that it was written; after each test case
///   the tables it wrote go back to their contents at run start (seed rows
///   included) in one round trip. Sequences are left alone unless
///   TESTDB_RESET_SEQUENCES=1. Runs in a per-process clone when the suite has
///   a schema; without one, one process at a time per database.
#pragma once

#include <string>
#include <string_view>

namespace testdb {

/// How test cases are kept apart.
enum class Isolation {
    Tenant,    ///< per-file tenants, DELETE after each test case (default)
    Rollback,  ///< one transaction per test case, rolled back
    Database,  ///< a database per process, cloned from a schema template
    Touched    ///< commits allowed; the tables a test case wrote are restored after it
};

/// Parses "tenant", "rollback", "database" or "touched" (any case). Throws ConfigError
/// naming `origin` and the value otherwise.
Isolation parseIsolation(std::string_view text, std::string_view origin = "TESTDB_ISOLATION");

/// "tenant", "rollback", "database" or "touched".
std::string_view isolationName(Isolation isolation);

/// The Catch2 tag that moves a test case of a rollback-tier suite to the
/// tenant tier (it needs commits that other connections can see).
inline constexpr std::string_view kCommitsTag = "commits";

}  // namespace testdb

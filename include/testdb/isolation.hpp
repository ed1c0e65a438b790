/// @file isolation.hpp
/// @brief The three isolation tiers a suite can choose (TESTDB_ISOLATION, or
/// ISOLATION on testdb_add_integration_suite).
///
/// - tenant (default): every file's rows belong to its own tenants A and B;
///   each test case ends with one DELETE of those tenants' rows. Tests see
///   each other's commits, so real concurrency works.
/// - rollback: each test case runs inside one transaction on one pinned
///   connection; withTransaction() becomes a SAVEPOINT; the test case ends
///   with ROLLBACK, so nothing is ever committed. A test that needs several
///   connections seeing each other's commits carries the tag [commits] and
///   runs in the tenant tier instead.
/// - database: the process works in its own database cloned from a template
///   built once per schema hash (`testdb_tpl_<hash>`), dropped at the end;
///   tenant cleanup still runs per test case.
#pragma once

#include <string>
#include <string_view>

namespace testdb {

/// How test cases are kept apart.
enum class Isolation {
    Tenant,    ///< per-file tenants, DELETE after each test case (default)
    Rollback,  ///< one transaction per test case, rolled back
    Database   ///< a database per process, cloned from a schema template
};

/// Parses "tenant", "rollback" or "database" (any case). Throws ConfigError
/// naming `origin` and the value otherwise.
Isolation parseIsolation(std::string_view text, std::string_view origin = "TESTDB_ISOLATION");

/// "tenant", "rollback" or "database".
std::string_view isolationName(Isolation isolation);

/// The Catch2 tag that moves a test case of a rollback-tier suite to the
/// tenant tier (it needs commits that other connections can see).
inline constexpr std::string_view kCommitsTag = "commits";

}  // namespace testdb

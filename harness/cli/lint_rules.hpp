/// @file lint_rules.hpp
/// @brief The rules of `testdb lint`, applied to the text of one C++ source.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace testdb::cli {

/// One finding: printed as `file:line: rule: message`.
struct LintFinding {
    std::string file;     ///< the path as it was found (relative to the argument)
    int line = 0;         ///< 1-based line number
    std::string rule;     ///< raw-connection, generic-slug or no-context
    std::string message;  ///< what is wrong and what to do instead
};

/// Every rule name `testdb lint` knows.
inline constexpr std::string_view kLintRules[] = {"raw-connection", "generic-slug", "no-context"};

/// Lints one source. The rules:
/// - `raw-connection`: constructs pqxx::connection / lazyconnection /
///   asyncconnection or calls PQconnectdb, PQconnectdbParams, PQsetdbLogin
///   (and friends) instead of using testdb's pool;
/// - `generic-slug`: a literal like "test-tenant", "test-package", "tenant-a"
///   anywhere, "test"/"default"/"tenant" where a slug or tenant is meant, or
///   any literal slug argument (`.slug(`, `setupCompleteIntegrationTest(`,
///   `slug = `, `{"slug", ...}`) that does not start with the file's slug;
/// - `no-context`: a .cpp/.cc file using tenantA/tenantB/Tenant(s)/Factory
///   that never calls testdb::context() or setupCompleteIntegrationTest()
///   (headers are exempt: the including test file takes the context).
/// `path` names the file in findings and gives the file
/// slug (testdb::slugFromFileName) that slug literals must start with.
/// Lines carrying `// testdb-lint: allow <rule>[, <rule>...]` (or `allow all`)
/// are exempt from those rules; `// testdb-lint: allow-file <rule>` anywhere
/// exempts the whole file.
std::vector<LintFinding> lint_source(const std::string& path, const std::string& text);

}  // namespace testdb::cli

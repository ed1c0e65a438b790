// Private: what the end of a run finds and says about rows left behind,
// and the psql command that shows rows kept for inspection. Framework-free,
// so every adapter reports them the same way.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "testdb/context.hpp"
#include "testdb/report.hpp"
#include "testdb/test_db.hpp"

namespace testdb::detail {

/// The "Fix:" of an error of testdb's own checks (not a leak).
extern const char* const kCheckFailedFix;

/// The rows of one tenant of this run still present.
struct TenantLeftover {
    std::string slug;                                     ///< the tenant's slug
    std::vector<std::pair<std::string, long long>> rows;  ///< table and row count
};

/// Every tenant of the current run (slug ending in `-<run token>`) whose
/// rows are still there, with its rows per table. One query, plus one per
/// such tenant.
std::vector<TenantLeftover> leftoversByTenant(Pool& pool);

/// "LeakError: ..." naming, per tenant, the tables, the row counts and the
/// test case that made the tenant (or that testdb did not make it).
std::string leftoverMessage(const std::vector<TenantLeftover>& leftovers);

/// `text` as one word for a POSIX shell: single-quoted, inner quotes escaped.
std::string shellQuote(const std::string& text);

/// A shell command running psql against `url` that selects the tenant rows
/// with these slugs; identifiers and values quoted as SQL does, the whole
/// command quoted for the shell.
std::string inspectCommand(const std::string& url, const std::vector<std::string>& slugs);

/// The run's leftover rows, per table. Rows found, or a check that could
/// not run (pool shut down by a test, a table gone), are run failures
/// (addRunFailure), so the process exits non-zero.
std::vector<LeftoverRecord> checkRunLeftovers(TestDb& db);

/// TESTDB_KEEP_FAILED: keeps the test's tenants (keepForInspection), keeps
/// the embedded server, and returns the notice with the psql command ("" when
/// the test made no tenant).
std::string keepRowsForInspection(TestDb& db, TestContext& ctx, const std::string& test_name);

}  // namespace testdb::detail

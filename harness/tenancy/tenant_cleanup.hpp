// Private: the tenant tier's per-test cleanup as two statements prepared
// once per connection and sent in one round trip: the foreign-key-reached
// tables in one delete (cycles included), then the tables cleaned by their
// tenant column together with the check of the tables cleanup cannot reach.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/connection>

#include "harness/tenancy/tenant_catalog.hpp"

namespace testdb::detail {

/// Tables and row counts.
using TableRows = std::vector<std::pair<std::string, long long>>;

/// Deletes every row of the tenants with keys `a` and `b` (nullopt: not
/// created) and, when `check_unreached`, returns the rows written into
/// unreached tables since the last check (rows the cleanup itself wrote are
/// not counted). One round trip; throws pqxx::sql_error as the server said.
TableRows clean_tenants(pqxx::connection& conn, const std::optional<std::string>& a,
                        const std::optional<std::string>& b, bool check_unreached);

/// "LeakError: cleanup of tenants a/b <cause>" (cause: "failed: <server
/// message>" or why it waited):
/// the server's message (constraint and tables), the tables the delete
/// covers, what happened to the rows (`aftermath`) and the `fix`.
std::string cleanup_failure_message(const std::vector<std::string>& slugs,
                                    const std::string& cause, const std::string& aftermath,
                                    const std::string& fix);

/// Every row counted by clean_tenants() in unreached tables this run, per
/// table (they stay: the run-end summary counts them as leftover rows).
TableRows unreached_rows_of_run();

/// "LeakError: ..." naming the unreached tables a test wrote rows into.
std::string unreached_message(const TableRows& written);

}  // namespace testdb::detail

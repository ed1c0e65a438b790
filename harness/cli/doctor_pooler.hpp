/// @file doctor_pooler.hpp
/// @brief What `testdb doctor` learns from PgBouncer's admin console, and
/// the process budget (TESTDB_MAX_PROCESSES) it derives.
#pragma once

#include <optional>
#include <string>

#include "testdb/config.hpp"

namespace testdb::cli {

/// PgBouncer's settings that bound the test processes behind it.
struct BouncerFacts {
    std::string version;         ///< "PgBouncer 1.18.0"
    std::string pool_mode;       ///< for this database: transaction, session, statement
    int pool_size = 0;           ///< server connections for this database and user
    int max_client_conn = 0;     ///< client connections PgBouncer accepts in all
    int max_db_connections = 0;  ///< 0 = no cap
};

/// Reads PgBouncer's admin console (database `pgbouncer`, same host, port
/// and user as `config`); nullopt when there is none or access is denied.
std::optional<BouncerFacts> read_bouncer(const Config& config);

/// The process budget for `connection_limit` when `server_free`
/// connections are free on the server and (with a pooler) `pooler` bounds
/// them too; each process counts its pooled connections plus its slot's.
int budget_for(int server_free, const std::optional<BouncerFacts>& pooler, int connection_limit);

}  // namespace testdb::cli

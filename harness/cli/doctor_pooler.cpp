// PgBouncer's admin console for `testdb doctor`.
#include "doctor_pooler.hpp"

#include <algorithm>

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <vector>

#include "support.hpp"
#include "testdb/process_budget.hpp"

namespace testdb::cli {
namespace {

// libpq directly: libpqxx 6.4 refuses the console (it reports the pooler's
// version as the server version, "below 9.0").
using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

// Rows of `command` on the console as column name -> value maps.
std::vector<std::map<std::string, std::string>> show(PGconn* conn, const char* command) {
    const Result result(PQexec(conn, command), &PQclear);
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
        throw std::runtime_error(PQresultErrorMessage(result.get()));
    }
    std::vector<std::map<std::string, std::string>> rows;
    for (int r = 0; r < PQntuples(result.get()); ++r) {
        auto& row = rows.emplace_back();
        for (int c = 0; c < PQnfields(result.get()); ++c) {
            row[PQfname(result.get(), c)] = PQgetvalue(result.get(), r, c);
        }
    }
    return rows;
}

int as_int(const std::string& text) {
    return text.empty() ? 0 : std::atoi(text.c_str());
}

}  // namespace

std::optional<BouncerFacts> read_bouncer(const Config& config) {
    Config admin = config;
    admin.libpq_url = with_query_param(config.libpq_url, "dbname", "pgbouncer");
    const Connection conn(PQconnectdb(admin.connectionString("doctor").c_str()), &PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        return std::nullopt;  // not PgBouncer, or not an admin/stats user
    }
    try {
        BouncerFacts facts;
        facts.version = show(conn.get(), "SHOW VERSION").at(0).begin()->second;
        for (auto& row : show(conn.get(), "SHOW CONFIG")) {
            const std::string& key = row["key"];
            if (key == "pool_mode") facts.pool_mode = row["value"];
            if (key == "default_pool_size") facts.pool_size = as_int(row["value"]);
            if (key == "max_client_conn") facts.max_client_conn = as_int(row["value"]);
            if (key == "max_db_connections") facts.max_db_connections = as_int(row["value"]);
        }
        // A database's own line overrides the defaults; databases served by
        // the `*` fallback appear once someone connected to them.
        for (auto& row : show(conn.get(), "SHOW DATABASES")) {
            if (row["name"] != config.dbname) continue;
            if (as_int(row["pool_size"]) > 0) facts.pool_size = as_int(row["pool_size"]);
            if (!row["pool_mode"].empty()) facts.pool_mode = row["pool_mode"];
            if (as_int(row["max_connections"]) > 0) {
                facts.max_db_connections = as_int(row["max_connections"]);
            }
        }
        return facts;
    } catch (const std::exception&) {
        return std::nullopt;  // SHOW refused: a pooler other than PgBouncer
    }
}

int budget_for(int server_free, const std::optional<BouncerFacts>& pooler, int connection_limit) {
    int budget = processesThatFit(server_free - kBudgetHeadroom, connection_limit);
    if (pooler) {
        // Through PgBouncer the server sees at most pool_size connections of
        // this database: each slot pins one for the whole run, and each
        // process's transactions need up to connection_limit more at once.
        int pool = pooler->pool_size;
        if (pooler->max_db_connections > 0) pool = std::min(pool, pooler->max_db_connections);
        budget = std::min(budget, processesThatFit(pool, connection_limit));
        // PgBouncer's own client cap counts every client connection.
        budget = std::min(budget, processesThatFit(pooler->max_client_conn, connection_limit));
    }
    return std::max(budget, 0);
}

}  // namespace testdb::cli

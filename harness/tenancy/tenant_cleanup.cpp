#include "harness/tenancy/tenant_cleanup.hpp"

#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/result>

namespace testdb::detail {
namespace {

// The two statements, built once from the catalog.
struct Statements {
    std::string delete_name;  // foreign-key-reached tables; "" when none
    std::string delete_body;
    std::string after_name;   // tenant-column tables and the unreached check
    std::string after_body;
};

std::string hex_hash(const std::string& text) {
    char buffer[20];
    std::snprintf(buffer, sizeof buffer, "%zx", std::hash<std::string>{}(text));
    return buffer;
}

// Rows of `table` written (inserted or updated) by a transaction that got
// its id at or after the baseline $3, other than the cleanup's own.
std::string written_since(const std::string& table) {
    return "(SELECT count(*) FROM " + table +
           " WHERE age(xmin) <= age(($3 % 4294967296)::text::xid) AND xmin::text IS DISTINCT FROM "
           "(txid_current_if_assigned() % 4294967296)::text)";
}

Statements build(pqxx::connection& conn, const TenantCatalog& catalog) {
    const std::string types = "(" + catalog.key_type + ", " + catalog.key_type;
    const std::string keys = conn.quote_name(tenantTable().key) + " IN ($1, $2)";
    Statements s;
    std::string deletes;
    int n = 0;
    for (const ScopedTable& table : catalog.by_foreign_key) {
        deletes += std::string(deletes.empty() ? "WITH " : ", ") + "d" + std::to_string(n++) +
                   " AS (DELETE FROM " + table.name + " WHERE " + substitute(table.predicate, keys) +
                   ")";
    }
    s.delete_body = types + ") AS " + deletes + " SELECT 1";
    s.delete_name = "testdb_clean_" + hex_hash(s.delete_body);
    // After the first statement, so rows its delete triggers wrote with the
    // tenant's key (an audit log) are visible and removed too.
    std::string after;
    n = 0;
    for (const ScopedTable& table : catalog.by_column) {
        after += std::string(after.empty() ? "WITH " : ", ") + "c" + std::to_string(n++) +
                 " AS (DELETE FROM " + table.name + " WHERE " + catalog.tenant_column +
                 " IN ($1, $2))";
    }
    std::string counts;
    for (const std::string& table : catalog.unreached) {
        counts += std::string(counts.empty() ? "" : ", ") + "(" + conn.quote(table) + ", " +
                  written_since(table) + ")";
    }
    after += " SELECT NULL::text, txid_snapshot_xmax(txid_current_snapshot())";
    if (!counts.empty()) {
        after += " UNION ALL SELECT * FROM (VALUES " + counts + ") AS w(t, n) WHERE n > 0";
    }
    s.after_body = types + ", bigint) AS " + after;
    s.after_name = "testdb_after_" + hex_hash(s.after_body);
    return s;
}

struct State {
    std::mutex mutex;
    std::optional<Statements> statements;
    std::set<std::pair<const pqxx::connection*, int>> prepared;  // connection, backend pid
    std::string baseline;                                         // txid, see TenantCatalog
    std::map<std::string, long long> unreached_of_run;
};

State& state() {
    static State instance;
    return instance;
}

// PREPAREs both statements on `conn` (once per connection: a second
// PREPARE of the same name is an error the server's own state makes
// harmless, so 42P05 is ignored).
void prepare(pqxx::connection& conn, const Statements& s) {
    for (const auto& [name, body] : {std::pair{s.delete_name, s.delete_body},
                                     std::pair{s.after_name, s.after_body}}) {
        try {
            pqxx::nontransaction(conn, "testdb prepare cleanup").exec("PREPARE " + name + body);
        } catch (const pqxx::sql_error& e) {
            if (e.sqlstate() != "42P05") throw;
        }
    }
}

std::string literal(pqxx::connection& conn, const std::optional<std::string>& key) {
    return key ? conn.quote(*key) : std::string("NULL");
}

}  // namespace

TableRows clean_tenants(pqxx::connection& conn, const std::optional<std::string>& a,
                        const std::optional<std::string>& b, bool check_unreached) {
    const TenantCatalog& catalog = tenant_catalog(conn);
    State& st = state();
    Statements s;
    std::string baseline;
    bool prepared = false;
    const std::pair<const pqxx::connection*, int> id{&conn, conn.backendpid()};
    {
        std::lock_guard<std::mutex> lock(st.mutex);
        if (!st.statements) {
            st.statements = build(conn, catalog);
            st.baseline = catalog.start_xid;
        }
        s = *st.statements;
        baseline = st.baseline;
        prepared = st.prepared.count(id) != 0;
    }
    const bool any_tenant = a || b;
    const bool after = !catalog.by_column.empty() || (check_unreached && !catalog.unreached.empty());
    std::string sql;
    if (any_tenant) {
        // A lease kept past its test inside an open transaction may hold
        // locks on these rows; unbounded, the DELETE would wait for it
        // forever and hang the run. SET LOCAL bounds only this implicit
        // transaction (the statements below share it, one round trip).
        sql = "SET LOCAL lock_timeout = '10s'; EXECUTE " + s.delete_name + "(" + literal(conn, a) +
              ", " + literal(conn, b) + ")";
    }
    if (after) {
        sql += std::string(sql.empty() ? "" : "; ") + "EXECUTE " + s.after_name + "(" +
               literal(conn, a) + ", " + literal(conn, b) + ", " + baseline + ")";
    }
    if (sql.empty()) {
        return {};
    }
    pqxx::result rows;
    for (int attempt = 0;; ++attempt) {
        if (!prepared) {
            prepare(conn, s);
            prepared = true;
        }
        try {
            rows = pqxx::nontransaction(conn, "testdb cleanup").exec(sql);
            break;
        } catch (const pqxx::sql_error& e) {
            // The server forgot them (a new session behind a pooler): once more.
            if (e.sqlstate() != "26000" || attempt > 0) throw;
            prepared = false;
        }
    }
    TableRows written;
    std::lock_guard<std::mutex> lock(st.mutex);
    st.prepared.insert(id);
    if (!after) {
        return written;
    }
    for (const auto& row : rows) {
        if (row[0].is_null()) {
            st.baseline = row[1].c_str();
        } else if (check_unreached) {
            written.emplace_back(row[0].c_str(), row[1].as<long long>());
            st.unreached_of_run[written.back().first] += written.back().second;
        }
    }
    return written;
}

TableRows unreached_rows_of_run() {
    State& st = state();
    std::lock_guard<std::mutex> lock(st.mutex);
    return TableRows(st.unreached_of_run.begin(), st.unreached_of_run.end());
}

std::string cleanup_failure_message(const std::vector<std::string>& slugs,
                                    const std::string& cause, const std::string& aftermath,
                                    const std::string& fix) {
    std::string tenants;
    for (const std::string& slug : slugs) {
        tenants += (tenants.empty() ? "" : "/") + slug;
    }
    std::string tables;
    if (const TenantCatalog* catalog = loaded_tenant_catalog()) {
        for (const auto* list : {&catalog->by_foreign_key, &catalog->by_column}) {
            for (const ScopedTable& table : *list) {
                tables += (tables.empty() ? "" : ", ") + table.name;
            }
        }
    }
    return "LeakError: cleanup of tenants " + tenants + " " + cause +
           "\n  (one statement deletes their rows from " + tables + "; " + aftermath +
           ")\nFix: " + fix;
}

std::string unreached_message(const TableRows& written) {
    std::string rows;
    for (const auto& [table, count] : written) {
        rows += (rows.empty() ? "" : ", ") + table + " " + std::to_string(count);
    }
    return "LeakError: the test wrote rows into tables the tenant cleanup cannot reach (no foreign "
           "key to " + tenantTable().table + ", no tenant column): " + rows +
           "\n  testdb cannot tell which of their rows are the test's, so they stay.\nFix: give "
           "these tables a foreign key or a tenant column, delete the rows in the test, or run "
           "such tests in the rollback tier.";
}

}  // namespace testdb::detail

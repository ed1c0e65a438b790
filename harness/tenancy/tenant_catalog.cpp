#include "harness/tenancy/tenant_catalog.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <queue>
#include <set>

#include <pqxx/nontransaction>
#include <pqxx/result>

#include "testdb/errors.hpp"
#include "testdb/safety.hpp"
#include "testdb/test_db.hpp"

namespace testdb::detail {
namespace {

constexpr const char* kTenants = "{TENANTS}";

struct ForeignKey {
    std::string child;
    std::string parent;
    std::string child_columns;   // "a, b"
    std::string parent_columns;  // "x, y"
};

std::vector<ForeignKey> read_foreign_keys(pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    const pqxx::result rows = tx.exec(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text,"
        "       string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord),"
        "       string_agg(quote_ident(p.attname), ', ' ORDER BY k.ord)"
        "  FROM pg_constraint c"
        "  CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(ca, pa, ord)"
        "  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.ca"
        "  JOIN pg_attribute p ON p.attrelid = c.confrelid AND p.attnum = k.pa"
        " WHERE c.contype = 'f'"
        " GROUP BY c.oid, c.conrelid, c.confrelid");
    std::vector<ForeignKey> keys;
    for (const auto& row : rows) {
        keys.push_back({row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str()});
    }
    return keys;
}

std::string tenant_regclass(pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    const pqxx::result r = tx.exec("SELECT to_regclass(" + tx.quote(tenantTable().table) + ")::text");
    if (r[0][0].is_null()) {
        throw Error("Error: the tenant table \"" + tenantTable().table +
                    "\" does not exist in the test database.\nFix: create it in the suite's "
                    "SCHEMA file, or name your table with testdb::setTenantTable().");
    }
    return r[0][0].c_str();
}

// Breadth-first from the tenant table: each table's predicate follows its
// shortest foreign-key path. Then order children before parents.
std::vector<ScopedTable> discover(pqxx::connection& conn) {
    const std::string root = tenant_regclass(conn);
    const std::vector<ForeignKey> keys = read_foreign_keys(conn);
    std::map<std::string, std::string> predicate{{root, kTenants}};
    std::queue<std::string> frontier;
    frontier.push(root);
    while (!frontier.empty()) {
        const std::string parent = frontier.front();
        frontier.pop();
        for (const ForeignKey& fk : keys) {
            if (fk.parent != parent || predicate.count(fk.child) != 0) {
                continue;
            }
            predicate[fk.child] = "(" + fk.child_columns + ") IN (SELECT " + fk.parent_columns +
                                  " FROM " + parent + " WHERE " + predicate[parent] + ")";
            frontier.push(fk.child);
        }
    }
    // children[t]: scoped tables referencing t (other than t itself).
    std::map<std::string, std::set<std::string>> children;
    for (const ForeignKey& fk : keys) {
        if (predicate.count(fk.child) != 0 && predicate.count(fk.parent) != 0 &&
            fk.child != fk.parent) {
            children[fk.parent].insert(fk.child);
        }
    }
    std::vector<ScopedTable> ordered;
    std::set<std::string> done;
    while (done.size() < predicate.size()) {
        bool progressed = false;
        for (const auto& [table, where] : predicate) {
            if (done.count(table) != 0) {
                continue;
            }
            const auto& kids = children[table];
            if (std::all_of(kids.begin(), kids.end(),
                            [&](const std::string& k) { return done.count(k) != 0; })) {
                ordered.push_back({table, where});
                done.insert(table);
                progressed = true;
            }
        }
        if (!progressed) {  // a cycle of foreign keys: take any table, rely on statement-end checks
            for (const auto& [table, where] : predicate) {
                if (done.count(table) == 0 && table != root) {
                    ordered.push_back({table, where});
                    done.insert(table);
                    break;
                }
            }
        }
    }
    return ordered;
}

std::string substitute(std::string where, const std::string& tenant_predicate) {
    for (std::size_t at = where.find(kTenants); at != std::string::npos;
         at = where.find(kTenants, at + tenant_predicate.size())) {
        where.replace(at, std::string(kTenants).size(), tenant_predicate);
    }
    return where;
}

std::atomic<unsigned long long> g_statements{0};

}  // namespace

const std::vector<ScopedTable>& scoped_tables(pqxx::connection& conn) {
    static std::mutex mutex;
    static std::vector<ScopedTable> cached;
    static bool loaded = false;
    std::lock_guard<std::mutex> lock(mutex);
    if (!loaded) {
        cached = discover(conn);
        count_statement(2);
        loaded = true;
    }
    return cached;
}

std::string tenant_slug_predicate(pqxx::connection& conn,
                                  const std::vector<std::string>& slugs) {
    std::string list;
    for (const std::string& slug : slugs) {
        list += (list.empty() ? "" : ", ") + conn.quote(slug);
    }
    return conn.quote_name(tenantTable().slug) + " IN (" + list + ")";
}

std::string delete_sql(pqxx::connection& conn, const std::string& tenant_predicate) {
    std::string sql;
    for (const ScopedTable& table : scoped_tables(conn)) {
        sql += "DELETE FROM " + table.name + " WHERE " +
               substitute(table.predicate, tenant_predicate) + ";\n";
    }
    return sql;
}

std::string count_sql(pqxx::connection& conn, const std::string& tenant_predicate) {
    std::string sql;
    for (const ScopedTable& table : scoped_tables(conn)) {
        sql += std::string(sql.empty() ? "" : " UNION ALL ") + "SELECT " + conn.quote(table.name) +
               ", count(*) FROM " + table.name + " WHERE " +
               substitute(table.predicate, tenant_predicate);
    }
    return "SELECT * FROM (" + sql + ") AS counts(table_name, row_count) WHERE row_count > 0";
}

void count_statement(unsigned long long n) noexcept { g_statements += n; }

void require_guard_passed(const Config& config) {
    static std::atomic<bool> passed{false};
    if (!passed.load()) {
        requireSafeToDelete(config, "delete test tenants' rows");
        passed = true;
    }
}

}  // namespace testdb::detail

unsigned long long testdb::harnessStatements() { return detail::g_statements.load(); }

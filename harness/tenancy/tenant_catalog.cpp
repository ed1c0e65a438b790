#include "harness/tenancy/tenant_catalog.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <queue>
#include <set>

#include <pqxx/nontransaction>
#include <pqxx/result>

#include "harness/common/log.hpp"
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

std::vector<ForeignKey> read_foreign_keys(pqxx::transaction_base& tx) {
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

// The tenant table's regclass text and the type of its key column.
std::pair<std::string, std::string> tenant_table_and_key(pqxx::transaction_base& tx) {
    const TenantTable& t = tenantTable();
    const pqxx::result r = tx.exec(
        "SELECT to_regclass(" + tx.quote(t.table) + ")::text, (SELECT format_type(atttypid, "
        "atttypmod) FROM pg_attribute WHERE attrelid = to_regclass(" + tx.quote(t.table) +
        ") AND attname = " + tx.quote(t.key) + " AND NOT attisdropped)");
    if (r[0][0].is_null()) {
        throw Error("Error: the tenant table \"" + t.table +
                    "\" does not exist in the test database.\nFix: create it in the suite's "
                    "SCHEMA file, or name your table with testdb::setTenantTable().");
    }
    if (r[0][1].is_null()) {
        throw Error("Error: the tenant table \"" + t.table + "\" has no key column \"" + t.key +
                    "\".\nFix: name its key column with testdb::setTenantTable().");
    }
    return {r[0][0].c_str(), r[0][1].c_str()};
}

// The name tenant-scoped tables give the tenant's key: the commonest column
// of single-column foreign keys to it, "tenant_id" when there is none.
std::string tenant_column(const std::vector<ForeignKey>& keys, const std::string& root) {
    std::map<std::string, int> votes;
    for (const ForeignKey& fk : keys) {
        if (fk.parent == root && fk.child != root && fk.child_columns.find(',') == std::string::npos) {
            ++votes[fk.child_columns];
        }
    }
    std::string best = "tenant_id";
    int most = 0;
    for (const auto& [column, n] : votes) {
        if (n > most) {
            best = column;
            most = n;
        }
    }
    return best;
}

// Breadth-first from the tenant table: each table's predicate follows its
// shortest foreign-key path.
std::map<std::string, std::string> reach(const std::vector<ForeignKey>& keys,
                                         const std::string& root) {
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
    return predicate;
}

// Children before parents where the foreign keys allow it (a cycle is
// broken anywhere: the one-statement delete checks keys at its end), the
// tenant table last. The order only matters to readers of the SQL and to
// the leftover counts, which list tables in it.
std::vector<ScopedTable> children_first(const std::map<std::string, std::string>& predicate,
                                        const std::vector<ForeignKey>& keys,
                                        const std::string& root) {
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
            const auto& kids = children[table];
            if (done.count(table) == 0 && std::all_of(kids.begin(), kids.end(), [&](const std::string& k) {
                    return done.count(k) != 0;
                })) {
                ordered.push_back({table, where});
                done.insert(table);
                progressed = true;
            }
        }
        for (auto it = predicate.begin(); !progressed && it != predicate.end(); ++it) {
            if (done.count(it->first) == 0 && it->first != root) {
                ordered.push_back({it->first, it->second});
                done.insert(it->first);
                progressed = true;
            }
        }
    }
    return ordered;
}

// User tables (not the catalogs', an extension's, a partition or testdb's
// own), each with whether it has `column` without a foreign key on it, in
// the tenant table's schema (another schema's tenant_id is another suite's).
std::vector<std::pair<std::string, bool>> user_tables(pqxx::transaction_base& tx,
                                                      const std::string& column) {
    const pqxx::result rows = tx.exec(
        "SELECT c.oid::regclass::text, c.relnamespace = (SELECT relnamespace FROM pg_class "
        "WHERE oid = to_regclass(" + tx.quote(tenantTable().table) + ")) AND EXISTS (SELECT 1 "
        "FROM pg_attribute a WHERE a.attrelid = c.oid AND quote_ident(a.attname) = " +
        tx.quote(column) + " AND NOT a.attisdropped AND NOT EXISTS (SELECT 1 FROM pg_constraint "
        "f WHERE f.contype = 'f' AND f.conrelid = c.oid AND a.attnum = ANY (f.conkey)))"
        "  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence <> 't'"
        "   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"
        "   AND c.relname NOT LIKE 'testdb\\_%'"
        "   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
        "                   AND d.objid = c.oid AND d.deptype = 'e')"
        " ORDER BY 1");
    std::vector<std::pair<std::string, bool>> tables;
    for (const auto& row : rows) {
        tables.emplace_back(row[0].c_str(), row[1].as<bool>());
    }
    return tables;
}

std::string names(const std::vector<std::string>& tables) {
    std::string text;
    for (const std::string& t : tables) {
        text += (text.empty() ? "" : ", ") + t;
    }
    return text;
}

TenantCatalog discover(pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    TenantCatalog catalog;
    std::tie(catalog.tenant_table, catalog.key_type) = tenant_table_and_key(tx);
    const std::vector<ForeignKey> keys = read_foreign_keys(tx);
    const std::string root = catalog.tenant_table;
    const std::string key = conn.quote_name(tenantTable().key);
    catalog.tenant_column = tenant_column(keys, root);
    const std::map<std::string, std::string> predicate = reach(keys, root);
    catalog.by_foreign_key = children_first(predicate, keys, root);
    // Rows written from here on in an unreached table are some test's.
    catalog.start_xid = tx.exec("SELECT txid_snapshot_xmax(txid_current_snapshot())")[0][0].c_str();
    std::vector<std::string> by_column;
    for (const auto& [table, has_column] : user_tables(tx, catalog.tenant_column)) {
        if (predicate.count(table) != 0) {
            continue;
        }
        if (has_column) {
            catalog.by_column.push_back({table, catalog.tenant_column + " IN (SELECT " + key +
                                                    " FROM " + root + " WHERE " + kTenants + ")"});
            by_column.push_back(table);
        } else {
            catalog.unreached.push_back(table);
        }
    }
    // Named at start: what is cleaned without a foreign key, what is not cleaned.
    if (!by_column.empty()) {
        log().warn("tenant cleanup: cleaned by their {} column (no foreign key to {}): {}",
                   catalog.tenant_column, root, names(by_column));
    }
    if (!catalog.unreached.empty()) {
        log().warn("tenant cleanup: not reached (no foreign key to {}, no {} column); a test "
                   "that writes rows there fails: {}",
                   root, catalog.tenant_column, names(catalog.unreached));
    }
    return catalog;
}

std::atomic<unsigned long long> g_statements{0};

std::mutex g_catalog_mutex;
TenantCatalog g_catalog;
std::atomic<bool> g_catalog_loaded{false};

}  // namespace

const TenantCatalog& tenant_catalog(pqxx::connection& conn) {
    std::lock_guard<std::mutex> lock(g_catalog_mutex);
    if (!g_catalog_loaded.load()) {
        g_catalog = discover(conn);
        count_statement(5);
        g_catalog_loaded = true;
    }
    return g_catalog;
}

const TenantCatalog* loaded_tenant_catalog() {
    return g_catalog_loaded.load() ? &g_catalog : nullptr;
}

const std::vector<ScopedTable>& scoped_tables(pqxx::connection& conn) {
    static const std::vector<ScopedTable> all = [&] {
        const TenantCatalog& catalog = tenant_catalog(conn);
        // The tenant table stays last (it is last of by_foreign_key).
        std::vector<ScopedTable> tables(catalog.by_foreign_key.begin(),
                                        catalog.by_foreign_key.end() - 1);
        tables.insert(tables.end(), catalog.by_column.begin(), catalog.by_column.end());
        tables.push_back(catalog.by_foreign_key.back());
        return tables;
    }();
    return all;
}

std::string tenant_slug_predicate(pqxx::connection& conn,
                                  const std::vector<std::string>& slugs) {
    std::string list;
    for (const std::string& slug : slugs) {
        list += (list.empty() ? "" : ", ") + conn.quote(slug);
    }
    return conn.quote_name(tenantTable().slug) + " IN (" + list + ")";
}

std::string substitute(std::string where, const std::string& tenant_predicate) {
    for (std::size_t at = where.find(kTenants); at != std::string::npos;
         at = where.find(kTenants, at + tenant_predicate.size())) {
        where.replace(at, std::string(kTenants).size(), tenant_predicate);
    }
    return where;
}

std::string delete_sql(pqxx::connection& conn, const std::string& tenant_predicate) {
    std::string sql;
    int n = 0;
    for (const ScopedTable& table : scoped_tables(conn)) {
        sql += std::string(sql.empty() ? "WITH " : ",\n     ") + "d" + std::to_string(n++) +
               " AS (DELETE FROM " + table.name + " WHERE " +
               substitute(table.predicate, tenant_predicate) + ")";
    }
    return sql + "\nSELECT 1";
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

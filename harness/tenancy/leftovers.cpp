#include "harness/tenancy/leftovers.hpp"

#include <algorithm>

#include <pqxx/nontransaction>
#include <pqxx/result>

#include "harness/tenancy/tenant_catalog.hpp"
#include "harness/tenancy/tenant_cleanup.hpp"
#include "harness/lifecycle/test_phase.hpp"
#include "testdb/context.hpp"
#include "testdb/run_token.hpp"
#include "testdb/tenants.hpp"
#include "testdb/test_db.hpp"

namespace testdb::detail {

const char* const kCheckFailedFix =
    "\nFix: if a test changed what testdb cleans (dropped or renamed a tenant-scoped table), "
    "make that change in the schema file instead; otherwise the message above is the cause.";

namespace {

// The test case that made the tenant with `slug`, from testdb's own tenants.
std::string made_by(const std::string& slug) {
    for (TestContext* ctx : contexts::all()) {
        for (const Tenant* tenant : {&ctx->tenants.tenantA, &ctx->tenants.tenantB}) {
            if (tenant->slug() == slug && !tenant->createdBy().empty()) {
                return "made by test \"" + tenant->createdBy() + "\" of " + ctx->sourceFile();
            }
        }
        if (slug.rfind(ctx->fileSlug() + "-", 0) == 0) {
            return "a tenant of " + ctx->sourceFile();
        }
    }
    return "not a tenant testdb made: a test inserted it itself";
}

// SQL's own identifier quoting: "name" with inner quotes doubled.
std::string quote_identifier(const std::string& name) {
    std::string quoted = "\"";
    for (char c : name) {
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return quoted + "\"";
}

std::string quote_literal(const std::string& value) {
    std::string quoted = "'";
    for (char c : value) {
        quoted += c == '\'' ? std::string("''") : std::string(1, c);
    }
    return quoted + "'";
}

}  // namespace

std::vector<TenantLeftover> leftoversByTenant(Pool& pool) {
    return withConnection(
        pool,
        [](pqxx::connection& conn) {
            const TenantTable& t = tenantTable();
            std::vector<std::string> slugs;
            {
                pqxx::nontransaction tx(conn);
                count_statement();
                for (const auto& row :
                     tx.exec("SELECT " + conn.quote_name(t.slug) + " FROM " + t.table + " WHERE " +
                             conn.quote_name(t.slug) + " LIKE " + conn.quote("%-" + runToken()) +
                             " ORDER BY 1")) {
                    slugs.emplace_back(row[0].c_str());
                }
            }
            std::vector<TenantLeftover> found;
            for (const std::string& slug : slugs) {
                const std::string sql = count_sql(conn, tenant_slug_predicate(conn, {slug}));
                pqxx::nontransaction tx(conn);
                count_statement();
                TenantLeftover leftover{slug, {}};
                for (const auto& row : tx.exec(sql)) {
                    leftover.rows.emplace_back(row[0].c_str(), row[1].as<long long>());
                }
                found.push_back(std::move(leftover));
            }
            return found;
        },
        "testdb: leftover check");
}

std::string leftoverMessage(const std::vector<TenantLeftover>& leftovers) {
    std::string message = "LeakError: the run left rows behind that no test case's cleanup "
                          "removed:\n";
    for (const TenantLeftover& leftover : leftovers) {
        std::string rows;
        for (const auto& [table, count] : leftover.rows) {
            rows += (rows.empty() ? "" : ", ") + table + " " + std::to_string(count);
        }
        message += "  tenant " + leftover.slug + " (" + made_by(leftover.slug) + "): " + rows + "\n";
    }
    return message + "Fix: make tenants through testdb::context().tenants so each test's cleanup "
                     "removes their rows, and join every thread a test starts before it ends.";
}

std::string shellQuote(const std::string& text) {
    std::string quoted = "'";
    for (char c : text) {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return quoted + "'";
}

std::string inspectCommand(const std::string& url, const std::vector<std::string>& slugs) {
    const TenantTable& t = tenantTable();
    std::string list;
    for (const std::string& slug : slugs) {
        list += (list.empty() ? "" : ", ") + quote_literal(slug);
    }
    // The table setting is SQL already (it may be schema-qualified or
    // quoted, exactly as testdb's own statements use it).
    const std::string sql = "SELECT * FROM " + t.table + " WHERE " + quote_identifier(t.slug) +
                            " IN (" + list + ")";
    return "psql " + shellQuote(url) + " -c " + shellQuote(sql);
}

std::vector<LeftoverRecord> checkRunLeftovers(TestDb& db) {
    std::vector<LeftoverRecord> leftovers;
    if (db.pool().isShutDown()) {
        addRunFailure("Error: testdb could not check the run for leftover rows: the pool was "
                      "shut down at " + db.pool().shutDownAt().toString() +
                      " before the run ended.\nFix: never call shutdown() in a test; testdb "
                      "calls it when the run ends.");
        return leftovers;
    }
    try {
        const std::vector<TenantLeftover> found = leftoversByTenant(db.pool());
        for (const TenantLeftover& tenant : found) {
            for (const auto& table_rows : tenant.rows) {
                const std::string& table = table_rows.first;  // (a lambda cannot capture a binding)
                auto same = std::find_if(leftovers.begin(), leftovers.end(),
                                         [&](const LeftoverRecord& r) { return r.table == table; });
                if (same == leftovers.end()) {
                    leftovers.push_back({table, table_rows.second});
                } else {
                    same->rows += table_rows.second;
                }
            }
        }
        if (!leftovers.empty()) {
            addRunFailure(leftoverMessage(found));
        }
        // Rows in tables the cleanup cannot reach: their test cases failed
        // already; the summary still counts them as left behind.
        for (const auto& [table, rows] : unreached_rows_of_run()) {
            leftovers.push_back({table, rows});
        }
    } catch (const std::exception& e) {
        addRunFailure(std::string("Error: testdb could not check the run for leftover rows (an "
                                  "error of the check, not a leak): ") + e.what() + kCheckFailedFix);
    }
    return leftovers;
}

std::string keepRowsForInspection(TestDb& db, TestContext& ctx, const std::string& test_name) {
    const std::vector<std::string> kept = ctx.tenants.keepForInspection();
    if (kept.empty()) {
        return {};
    }
    db.keepEmbeddedServer();
    std::string list;
    for (const std::string& slug : kept) {
        list += (list.empty() ? "" : ", ") + slug;
    }
    std::string notice = "testdb: kept the rows of \"" + test_name +
                         "\" (TESTDB_KEEP_FAILED=1): tenants " + list + "\n  inspect: " +
                         inspectCommand(db.config().maskedUrl(), kept) +
                         "\n  (the next testdb run removes the rows";
    if (const EmbeddedServer* server = db.embeddedServer()) {
        notice += "; stop the kept server with: testdb down --server " +
                  shellQuote(server->directory().string());
    }
    return notice + ")\n";
}

}  // namespace testdb::detail

#include "testdb/tenants.hpp"

#include <atomic>
#include <optional>

#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/result>

#include "harness/common/log.hpp"
#include "harness/lifecycle/test_phase.hpp"
#include "harness/tenancy/tenant_catalog.hpp"
#include "harness/tenancy/tenant_cleanup.hpp"
#include "testdb/lifecycle.hpp"
#include "testdb/errors.hpp"
#include "testdb/run_token.hpp"
#include "testdb/test_db.hpp"

namespace testdb {
namespace {

TenantTable& table_settings() {
    static TenantTable settings;
    return settings;
}

std::vector<std::pair<std::string, long long>> counts(const pqxx::result& rows) {
    std::vector<std::pair<std::string, long long>> out;
    for (const auto& row : rows) {
        out.emplace_back(row[0].c_str(), row[1].as<long long>());
    }
    return out;
}

}  // namespace

void setTenantTable(TenantTable table) { table_settings() = std::move(table); }
const TenantTable& tenantTable() { return table_settings(); }

Tenant::Tenant(char letter, std::string file_slug, std::string run_token, Pool* pool)
    : letter_(letter),
      slug_(std::move(file_slug) + "-" + letter + "-" + std::move(run_token)),
      pool_(pool) {}

Pool& Tenant::pool() const { return pool_ != nullptr ? *pool_ : getTestDb().pool(); }

namespace {

std::string insert_tenant(pqxx::transaction_base& tx, const std::string& slug) {
    const TenantTable& t = tenantTable();
    std::string columns = tx.quote_name(t.slug);
    std::string values = tx.quote(slug);
    for (const auto& [column, value_of] : t.extra_columns) {
        columns += ", " + tx.quote_name(column);
        values += ", " + tx.quote(value_of(slug));
    }
    detail::count_statement();
    const pqxx::result r = tx.exec("INSERT INTO " + t.table + " (" + columns + ") VALUES (" +
                                   values + ") RETURNING " + tx.quote_name(t.key));
    return r[0][0].c_str();
}

}  // namespace

bool Tenant::exists_locked() const {
    if (!id_.empty() && created_in_ && created_in_->undone()) {
        // Made inside a savepoint that was rolled back: the row is gone.
        id_.clear();
        created_in_.reset();
    }
    return !id_.empty();
}

const Tenant& Tenant::create(SourceLocation where) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (exists_locked()) {
        return *this;
    }
    detail::requireRunningTest("tenant " + slug_ + " (create() or id())", where);
    created_by_ = detail::runningTest();
    if (Transaction* open = detail::pinnedTransaction()) {
        // Rollback tier, inside withTransaction(): the test's one connection
        // is busy with that transaction, and the row belongs to it anyway.
        id_ = insert_tenant(*open, slug_);
        created_in_ = detail::currentSavepoint();
        return *this;
    }
    withConnection(
        pool(),
        [&](pqxx::connection& conn) {
            pqxx::nontransaction tx(conn);
            id_ = insert_tenant(tx, slug_);
        },
        "testdb: create tenant " + slug_, where);
    return *this;
}

bool Tenant::created() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return exists_locked();
}

std::string Tenant::id(SourceLocation where) const {
    create(where);
    std::lock_guard<std::mutex> lock(mutex_);
    return id_;
}

std::string Tenant::createdBy() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return created_by_;
}

void Tenant::forget() const {
    std::lock_guard<std::mutex> lock(mutex_);
    id_.clear();
    created_in_.reset();
}

Tenants::Tenants(const std::string& file_slug, const std::string& run_token, Pool* pool)
    : tenantA('a', file_slug, run_token, pool), tenantB('b', file_slug, run_token, pool) {}

void Tenants::bind(Pool& pool) {
    tenantA.bind(pool);
    tenantB.bind(pool);
}

namespace {

// The run's tier cleans tenants after every test (not the rollback tier,
// whose transaction removed the rows, nor a tier that restores tables).
bool checks_unreached_tables() {
    try {
        const Isolation tier = suiteIsolation();
        return tier == Isolation::Tenant || tier == Isolation::Database;
    } catch (const std::exception&) {
        return true;  // the run start reported the setting already
    }
}

// After a failed cleanup: moves the rows to renamed tenants (kept for the
// run-end leftover check and the next run's sweep) so the file's next test
// gets fresh tenants instead of failing on these rows. Says what it did.
std::string set_aside(pqxx::connection& conn, const std::vector<std::string>& slugs) {
    if (slugs.empty()) {
        return "the test made no tenant";
    }
    static std::atomic<int> failures{0};
    const TenantTable& t = tenantTable();
    const std::string& token = runToken();
    const std::string n = std::to_string(++failures);
    std::string cases;
    std::string renamed;
    for (const std::string& slug : slugs) {
        // <file>-<letter>-<token> becomes <file>-<letter>x<n>-<token>.
        const std::string head = slug.substr(0, slug.size() - token.size() - 1);
        const std::string moved = head + "x" + n + "-" + token;
        cases += " WHEN " + conn.quote(slug) + " THEN " + conn.quote(moved);
        renamed += (renamed.empty() ? "" : ", ") + moved;
    }
    try {
        pqxx::nontransaction tx(conn, "testdb set aside");
        detail::count_statement();
        // Bounded: after a lock timeout the same lock still holds the rows.
        tx.exec("SET LOCAL lock_timeout = '2s'; UPDATE " + t.table + " SET " +
                conn.quote_name(t.slug) + " = CASE " +
                conn.quote_name(t.slug) + cases + " END WHERE " +
                detail::tenant_slug_predicate(conn, slugs));
    } catch (const std::exception& e) {
        return std::string("could not set them aside either (") + e.what() +
               "), so the file's next tests may fail on them";
    }
    return "their rows stay under tenants " + renamed +
           " so the file's next test starts clean; the run's leftover check reports them and "
           "the next run sweeps them";
}

}  // namespace

void Tenants::cleanupTenants() {
    const bool check = checks_unreached_tables();
    if (!anyCreated()) {
        const detail::TenantCatalog* catalog = detail::loaded_tenant_catalog();
        if (!check || catalog == nullptr || catalog->unreached.empty()) {
            return;  // nothing to delete or check: no round trip
        }
    }
    detail::require_guard_passed(tenantA.pool().config());
    const auto key = [](const Tenant& t) {
        return t.created() ? std::optional<std::string>(t.id()) : std::nullopt;
    };
    const std::optional<std::string> a = key(tenantA);
    const std::optional<std::string> b = key(tenantB);
    std::vector<std::string> made;  // the created tenants' slugs
    for (const Tenant* t : {&tenantA, &tenantB}) {
        if (t->created()) made.push_back(t->slug());
    }
    std::string failure;
    detail::TableRows written;
    withConnection(
        tenantA.pool(),
        [&](pqxx::connection& conn) {
            detail::count_statement();
            try {
                written = detail::clean_tenants(conn, a, b, check);
            } catch (const pqxx::sql_error& e) {
                const bool lock_wait = e.sqlstate() == "55P03";
                if (!lock_wait && e.sqlstate().rfind("23", 0) != 0) {
                    // Not the rows' doing (a dropped table, a lost connection):
                    // the lifecycle reports a check it could not carry out.
                    throw;
                }
                const std::string cause =
                    lock_wait ? "waited 10 s for a lock another transaction holds on their rows (" +
                                    std::string(e.what()) + ")"
                              : "failed: " + std::string(e.what());
                const std::string fix =
                    lock_wait ? "end every transaction before its test ends: a Lease kept past its "
                                "test inside a transaction keeps its locks."
                              : "a row outside these tenants references one of their rows (see "
                                "the constraint above): make the test delete it, or create it "
                                "through testdb's tenants.";
                failure =
                    detail::cleanup_failure_message(slugs(), cause, set_aside(conn, made), fix);
            }
        },
        "testdb: cleanupTenants");
    tenantA.forget();
    tenantB.forget();
    if (!failure.empty()) {
        throw LeakError(failure);
    }
    if (!written.empty()) {
        throw LeakError(detail::unreached_message(written));
    }
}

std::vector<std::string> Tenants::keepForInspection() {
    static std::atomic<int> kept{0};
    std::vector<std::string> renamed;
    for (Tenant* tenant : {&tenantA, &tenantB}) {
        if (!tenant->created()) {
            continue;
        }
        const std::string file_part = tenant->slug().substr(0, tenant->slug().size() -
                                                                runToken().size() - 3);
        const std::string new_slug = file_part + "-" + tenant->letter() + "k" +
                                     std::to_string(++kept) + "-" + runToken();
        withConnection(
            tenantA.pool(),
            [&](pqxx::connection& conn) {
                const TenantTable& t = tenantTable();
                pqxx::nontransaction tx(conn);
                detail::count_statement();
                // Bounded: after a lock timeout the same lock still holds the rows.
        tx.exec("UPDATE " + t.table + " SET " + conn.quote_name(t.slug) + " = " +
                        conn.quote(new_slug) + " WHERE " + conn.quote_name(t.slug) + " = " +
                        conn.quote(tenant->slug()));
            },
            "testdb: keep failed test's rows");
        tenant->forget();
        renamed.push_back(new_slug);
    }
    return renamed;
}

std::vector<std::pair<std::string, long long>> Tenants::remainingRows() const {
    return withConnection(
        tenantA.pool(),
        [&](pqxx::connection& conn) {
            const std::string sql =
                detail::count_sql(conn, detail::tenant_slug_predicate(conn, slugs()));
            pqxx::nontransaction tx(conn);
            detail::count_statement();
            return counts(tx.exec(sql));
        },
        "testdb: leak check");
}

std::vector<std::string> tenantScopedTables() { return tenantScopedTables(getTestDb().pool()); }

std::vector<std::string> tenantScopedTables(Pool& pool) {
    return withConnection(
        pool,
        [](pqxx::connection& conn) {
            std::vector<std::string> names;
            for (const auto& table : detail::scoped_tables(conn)) {
                names.push_back(table.name);
            }
            return names;
        },
        "testdb: catalog");
}

std::vector<std::string> sweepStaleTenants(const std::vector<std::string>& file_slugs) {
    return sweepStaleTenants(getTestDb().pool(), file_slugs);
}

std::vector<std::string> sweepStaleTenants(Pool& pool, const std::vector<std::string>& file_slugs) {
    if (file_slugs.empty()) {
        return {};
    }
    detail::require_guard_passed(pool.config());
    return withConnection(
        pool,
        [&](pqxx::connection& conn) {
            std::string alternatives;
            for (const std::string& slug : file_slugs) {
                alternatives += (alternatives.empty() ? "" : "|") + slug;
            }
            const TenantTable& t = tenantTable();
            {
                pqxx::nontransaction probe(conn);
                if (probe.exec("SELECT to_regclass(" + probe.quote(t.table) + ")")[0][0].is_null()) {
                    return std::vector<std::string>{};  // no tenant table: nothing can be stale
                }
            }
            // The catalog reads through its own nontransaction: load it before
            // ours opens (libpqxx allows one transaction per connection).
            detail::scoped_tables(conn);
            pqxx::nontransaction tx(conn);
            // A tenant of these files whose run token no live backend carries.
            const std::string stale =
                conn.quote_name(t.slug) + " IN (SELECT s FROM (SELECT " + conn.quote_name(t.slug) +
                " AS s FROM " + t.table + " WHERE " + conn.quote_name(t.slug) + " ~ " +
                conn.quote("^(" + alternatives + ")-[a-z0-9]+-[a-z0-9]+$") +
                ") AS candidates WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a"
                " WHERE a.application_name LIKE '%-' || substring(s FROM '[a-z0-9]+$')))";
            detail::count_statement(3);
            const pqxx::result found =
                tx.exec("SELECT " + conn.quote_name(t.slug) + " FROM " + t.table + " WHERE " + stale);
            std::vector<std::string> swept;
            for (const auto& row : found) {
                swept.emplace_back(row[0].c_str());
            }
            if (!swept.empty()) {
                try {
                    tx.exec(detail::delete_sql(conn, detail::tenant_slug_predicate(conn, swept)));
                } catch (const pqxx::sql_error& e) {
                    // Rows a failed cleanup set aside may still be held by
                    // a reference: say so, and let this run go on.
                    detail::log().warn("could not sweep stale tenants {}: {}",
                                       detail::tenant_slug_predicate(conn, swept), e.what());
                    return std::vector<std::string>{};
                }
                detail::log().warn("swept {} stale tenant(s) of crashed runs", swept.size());
            }
            return swept;
        },
        "testdb: sweep stale tenants");
}

std::vector<std::pair<std::string, long long>> remainingRowsOfRun() {
    return withConnection(
        [](pqxx::connection& conn) {
            const std::string of_run = conn.quote_name(tenantTable().slug) + " LIKE " +
                                       conn.quote("%-" + runToken());
            const std::string sql = detail::count_sql(conn, of_run);
            pqxx::nontransaction tx(conn);
            detail::count_statement();
            return counts(tx.exec(sql));
        },
        "testdb: leftover check");
}

}  // namespace testdb

// The run's tier, chosen from the schema when nobody asked for one: most
// schemas have no tenant table, and a run must never go on without
// isolation because of it.
#include <algorithm>

#include <pqxx/nontransaction>

#include "harness/lifecycle/tier_choice.hpp"
#include "harness/lifecycle/touched_tables.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"
#include "testdb/tenants.hpp"
#include "testdb/test_db.hpp"

namespace testdb::detail {
namespace {

bool tenant_table_exists(Pool& pool) {
    return withConnection(
        pool,
        [](pqxx::connection& conn) {
            pqxx::nontransaction tx(conn, "testdb: tenant table probe");
            return !tx.exec("SELECT to_regclass(" + tx.quote(tenantTable().table) + ")")[0][0]
                        .is_null();
        },
        "testdb: tenant table probe");
}

std::string missing_table() {
    return "no tenant table \"" + tenantTable().table + "\" in the test database";
}

}  // namespace

RunTier chooseRunTier(Pool& pool, const std::vector<TestCaseInfo>& tests) {
    RunTier tier;
    tier.isolation = suiteIsolation();
    tier.tenant_table = tenant_table_exists(pool);
    const std::string asked = isolationOrigin();
    if (!tier.tenant_table && asked.empty()) {
        tier.isolation = Isolation::Rollback;
        tier.notice = "testdb: isolation rollback (" + missing_table() +
                      "; set TESTDB_ISOLATION or setTenantTable() to choose)";
    } else if (!tier.tenant_table && tier.isolation == Isolation::Tenant) {
        throw ConfigError(
            "ConfigError: " + asked + " asks for the tenant isolation tier, but the tenant "
            "table \"" + tenantTable().table + "\" does not exist in the test database " +
            pool.config().dbname + ".\nFix: name your tenant table with "
            "testdb::setTenantTable() (or create it in the suite's SCHEMA), or choose another "
            "tier: rollback (one transaction per test case), touched (code that commits) or "
            "database (a clone per process).");
    }
    const bool any_commits = std::any_of(tests.begin(), tests.end(),
                                         [](const TestCaseInfo& test) { return test.commits; });
    tier.touched = tier.isolation == Isolation::Touched ||
                   (!tier.tenant_table && (tier.isolation == Isolation::Database ||
                                           (tier.isolation == Isolation::Rollback && any_commits)));
    if (tier.touched) {
        const TouchedSetup setup =
            installTouchedTables(pool, setting("TESTDB_RESET_SEQUENCES").value_or("") == "1");
        const std::string watched =
            std::to_string(setup.tables) + " tables watched, " + std::to_string(setup.seeded) +
            " with seed rows";
        if (tier.isolation == Isolation::Touched) {
            tier.notice = "testdb: isolation touched (" + watched + ", restored after each test "
                          "case in database " + pool.config().dbname + ")";
        } else if (tier.isolation == Isolation::Database) {
            tier.notice = "testdb: isolation database (" + missing_table() + ": the tables each "
                          "test case writes are restored after it, " + watched + ")";
        } else {
            tier.notice += std::string(tier.notice.empty() ? "" : "\n") +
                           "testdb: test cases that commit ([commits], *Commits) get the "
                           "touched tier's restore (" + watched + ")";
        }
    }
    setRunTier(tier.isolation);
    return tier;
}

}  // namespace testdb::detail

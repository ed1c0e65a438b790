// The tenant-cleanup suite: foreign-key cycles the cleanup must get through,
// an audit log it cleans by its tenant column, a table it cannot reach, and
// a cleanup that fails. tests/harness/check_cleanup.py runs it one tag at a
// time and checks what each run printed; the tests of a tag run in order,
// and each later one checks that the earlier ones left nothing it can see.
#include <cstdlib>
#include <string>

#include <pqxx/pqxx>

#include "testdb/catch.hpp"
#include "testdb/context.hpp"
#include "testdb/testdb.hpp"

namespace {

// This suite's own tenant table (its schema is apart from the other suites').
// TESTDB_CLEANUP_BAD_KEY names a key column that does not exist, so the
// catalog cannot be read: the run must stop at start, saying why.
const bool kTenantTable = [] {
    const char* bad = std::getenv("TESTDB_CLEANUP_BAD_KEY");
    testdb::TenantTable table;
    table.table = "cleanup_cases.tenants";
    table.key = bad != nullptr ? bad : "id";
    testdb::setTenantTable(table);
    return true;
}();

// One statement through a lease of its own; returns the first column of the
// first row ("" when there is none).
std::string sql(const std::string& statement) {
    return testdb::withConnection([&](pqxx::connection& conn) {
        const pqxx::result r = pqxx::nontransaction(conn).exec(statement);
        return r.empty() || r[0][0].is_null() ? std::string() : std::string(r[0][0].c_str());
    });
}

long long count(const std::string& table, const std::string& where) {
    return std::stoll(sql("SELECT count(*) FROM cleanup_cases." + table + " WHERE " + where));
}

// Rows of this run's tenants (any tenant whose slug ends in the run token).
const char* const kTenantTables[] = {"teams", "users", "projects", "members", "tasks",
                                     "customers", "invoices", "audit_log", "links"};
void check_run_rows_gone() {
    const std::string of_run = "tenant_id IN (SELECT id FROM cleanup_cases.tenants WHERE slug LIKE '%-" +
                               testdb::runToken() + "')";
    for (const char* table : kTenantTables) {
        INFO(table);
        CHECK(count(table, of_run) == 0);
    }
}

// A team owned by a user who is in it: users.team_id -> teams, teams.owner_id -> users.
void team_with_owner(const testdb::Tenant& tenant) {
    const std::string team = sql("INSERT INTO cleanup_cases.teams (tenant_id) VALUES (" + tenant.id() +
                                 ") RETURNING id");
    const std::string user = sql("INSERT INTO cleanup_cases.users (tenant_id, team_id) VALUES (" +
                                 tenant.id() + ", " + team + ") RETURNING id");
    sql("UPDATE cleanup_cases.teams SET owner_id = " + user + " WHERE id = " + team);
}

}  // namespace

TEST_CASE("two tables that reference each other are cleaned", "[cycles]") {
    check_run_rows_gone();
    auto& tenants = testdb::context().tenants;
    team_with_owner(tenants.tenantA.create());
    team_with_owner(tenants.tenantB.create());
    CHECK(count("teams", "owner_id IS NOT NULL AND tenant_id = " + tenants.tenantA.id()) == 1);
}

TEST_CASE("three tables in a cycle of NOT NULL keys, one deferrable, are cleaned", "[cycles]") {
    check_run_rows_gone();
    const std::string id = testdb::context().tenants.tenantA.create().id();
    testdb::withTransaction([&](testdb::Transaction& tx) {
        const std::string task = tx.exec("SELECT nextval('cleanup_cases.tasks_id_seq')")[0][0].c_str();
        const std::string project = tx.exec("INSERT INTO cleanup_cases.projects (tenant_id, lead_id) "
                                            "VALUES (" + id + ", " + task + ") RETURNING id")[0][0].c_str();
        const std::string member = tx.exec("INSERT INTO cleanup_cases.members (tenant_id, project_id) "
                                           "VALUES (" + id + ", " + project + ") RETURNING id")[0][0].c_str();
        tx.exec("INSERT INTO cleanup_cases.tasks (id, tenant_id, member_id) VALUES (" + task + ", " +
                id + ", " + member + ")");
    });
    CHECK(count("tasks", "tenant_id = " + id) == 1);
}

TEST_CASE("a cycle with ON DELETE RESTRICT on one edge is cleaned", "[cycles]") {
    check_run_rows_gone();
    const std::string id = testdb::context().tenants.tenantA.create().id();
    const std::string customer =
        sql("INSERT INTO cleanup_cases.customers (tenant_id) VALUES (" + id + ") RETURNING id");
    const std::string invoice = sql("INSERT INTO cleanup_cases.invoices (tenant_id, customer_id) VALUES (" +
                                    id + ", " + customer + ") RETURNING id");
    sql("UPDATE cleanup_cases.customers SET last_invoice_id = " + invoice + " WHERE id = " + customer);
    CHECK(count("invoices", "tenant_id = " + id) == 1);
}

TEST_CASE("an audit log filled by a trigger is cleaned by its tenant column", "[cycles]") {
    check_run_rows_gone();
    auto& tenants = testdb::context().tenants;
    team_with_owner(tenants.tenantA.create());
    // The trigger wrote one row; the cleanup's delete of the user writes another.
    CHECK(count("audit_log", "tenant_id = " + tenants.tenantA.id()) == 1);
}

TEST_CASE("the cycle tests left no row behind", "[cycles]") {
    check_run_rows_gone();
    // Nor audit rows the cleanup's own deletes wrote for tenants now gone.
    CHECK(count("audit_log", "tenant_id NOT IN (SELECT id FROM cleanup_cases.tenants)") == 0);
    CHECK(count("tenants", "slug LIKE '%-" + testdb::runToken() + "'") == 0);
}

TEST_CASE("writes rows into a table the cleanup cannot reach", "[unreached]") {
    team_with_owner(testdb::context().tenants.tenantA.create());
    for (const char* name : {"first", "second"}) {
        sql("INSERT INTO cleanup_cases.counters (name, n) VALUES ('" + std::string(name) + "-" +
            testdb::runToken() + "', 1)");
    }
}

TEST_CASE("the test after the unreached rows is not blamed", "[unreached]") {
    check_run_rows_gone();
    team_with_owner(testdb::context().tenants.tenantA.create());
    CHECK(count("counters", "name LIKE '%-" + testdb::runToken() + "'") == 2);
}

TEST_CASE("a row of another tenant holds this tenant's user", "[failing-cleanup]") {
    const std::string id = testdb::context().tenants.tenantA.create().id();
    const std::string user = sql("INSERT INTO cleanup_cases.users (tenant_id) VALUES (" + id + ") RETURNING id");
    const std::string outsider = sql("INSERT INTO cleanup_cases.tenants (slug) VALUES ('outsider-" +
                                     testdb::runToken() + "') RETURNING id");
    sql("INSERT INTO cleanup_cases.links (tenant_id, user_id) VALUES (" + outsider + ", " + user + ")");
}

TEST_CASE("the file's next test starts with fresh tenants", "[failing-cleanup]") {
    const std::string id = testdb::context().tenants.tenantA.create().id();
    CHECK(count("users", "tenant_id = " + id) == 0);
    team_with_owner(testdb::context().tenants.tenantA);
    // Let the set-aside rows go, so the run-end check and the next run's
    // sweep can remove them: the outsider's link was what held them.
    sql("DELETE FROM cleanup_cases.links WHERE tenant_id IN (SELECT id FROM cleanup_cases.tenants "
        "WHERE slug = 'outsider-" + testdb::runToken() + "')");
    sql("DELETE FROM cleanup_cases.tenants WHERE slug = 'outsider-" + testdb::runToken() + "'");
}

TEST_CASE("the test after that is clean too", "[failing-cleanup]") {
    const std::string id = testdb::context().tenants.tenantA.create().id();
    CHECK(count("users", "tenant_id = " + id) == 0);
}

// The schema rules of README.md's "The schema testdb expects", proved on
// schema_rules.sql: cleanup follows foreign keys from the tenant table any
// number of hops, and leaves alone every table no such path reaches.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "testdb/context.hpp"
#include "testdb/factory.hpp"
#include "testdb/testdb.hpp"

namespace {

const testdb::Factory packages =
    testdb::Factory("packages", "package").slugColumn("slug").column("country", "NL");

// One value (a count or a key) of one parameterised query.
std::string value_of(const std::string& sql, const std::string& param) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return testdb::queryValue<std::string>(tx, sql, param);
    });
}

}  // namespace

TEST_CASE("schema rules: tables that reference the tenant table, directly or not, are scoped") {
    // Children first, so one DELETE per table never trips a foreign key.
    CHECK(testdb::tenantScopedTables() ==
          std::vector<std::string>{"booking_notes", "bookings", "packages", "tenants"});
}

TEST_CASE("schema rules: cleanup deletes rows 1, 2 and 3 hops away and nothing else") {
    auto& tenants = testdb::context().tenants;
    const std::string tenant_id = tenants.tenantA.id();
    const std::string package_id = packages.create(tenants.tenantA).at("id").value();
    const std::string booking_id =
        value_of("INSERT INTO bookings (package_id) VALUES ($1) RETURNING id", package_id);
    value_of("INSERT INTO booking_notes (booking_id, note) VALUES ($1, 'late') RETURNING id",
             booking_id);
    value_of("INSERT INTO audit_log (tenant_id, message) VALUES ($1, 'made') RETURNING id",
             tenant_id);

    tenants.cleanupTenants();  // what the listener runs after every test case

    CHECK(value_of("SELECT count(*) FROM tenants WHERE id = $1", tenant_id) == "0");
    CHECK(value_of("SELECT count(*) FROM packages WHERE id = $1", package_id) == "0");
    CHECK(value_of("SELECT count(*) FROM bookings WHERE id = $1", booking_id) == "0");
    CHECK(value_of("SELECT count(*) FROM booking_notes WHERE booking_id = $1", booking_id) == "0");
    // No foreign key, no cleanup: the row outlives its tenant.
    CHECK(value_of("SELECT count(*) FROM audit_log WHERE tenant_id = $1", tenant_id) == "1");
    CHECK(value_of("SELECT count(*) FROM countries WHERE code = $1", "NL") == "1");
    // A table outside the paths is the test's to clean.
    value_of("WITH gone AS (DELETE FROM audit_log WHERE tenant_id = $1 RETURNING 1) "
             "SELECT count(*) FROM gone", tenant_id);
}

// The schema rules of README.md's "The schema testdb expects", proved on
// schema_rules.sql: cleanup follows foreign keys from the tenant table any
// number of hops, cleans a table with a tenant_id column but no foreign key
// by that column, and leaves alone every other table.
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
    // Children first, then the tenant_id table without a foreign key, the
    // tenant table last.
    CHECK(testdb::tenantScopedTables() ==
          std::vector<std::string>{"booking_notes", "bookings", "packages", "audit_log", "tenants"});
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
    // A tenant_id column without a foreign key: cleaned by that column.
    CHECK(value_of("SELECT count(*) FROM audit_log WHERE tenant_id = $1", tenant_id) == "0");
    // Referenced by a scoped table, not scoped itself: untouched.
    CHECK(value_of("SELECT count(*) FROM countries WHERE code = $1", "NL") == "1");
}

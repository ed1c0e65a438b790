// The names suite: test cases whose names carry XML's special characters,
// quotes and non-ASCII letters, on a tenants table with quoted, mixed-case
// identifiers. tests/harness/check_outputs.py runs it with every Catch2
// reporter and parses what each one writes to stdout; [keep] fails on
// purpose so TESTDB_KEEP_FAILED prints its psql command.
#include <catch2/catch.hpp>

#include "testdb/catch2.hpp"
#include "testdb/context.hpp"
#include "testdb/factory.hpp"
#include "testdb/testdb.hpp"

namespace {

const bool quoted_table = [] {
    testdb::TenantTable table;
    table.table = "\"Tenants\"";
    table.slug = "Slug";  // a column name; testdb-lint: allow generic-slug
    testdb::setTenantTable(table);
    return true;
}();

const testdb::Factory widgets = testdb::Factory("\"Widgets\"", "widget").slugColumn("slug");

}  // namespace

TEST_CASE("price < 10 & > 0", "[names]") {
    widgets.createMany(testdb::context().tenants.tenantA, 2);
    CHECK(quoted_table);
}

TEST_CASE("quotes \"double\" and 'single' & <tags/>", "[names]") {
    widgets.create(testdb::context().tenants.tenantB);
    CHECK(testdb::context().tenants.tenantB.created());
}

TEST_CASE("non-ASCII: café, Grüße, Ελληνικά, 東京 ]]> --", "[names]") {
    CHECK(testdb::context().fileSlug() == "odd-names");
}

TEST_CASE("fails & keeps rows of \"Tenants\" <kept> 'é'", "[names][keep]") {
    widgets.createMany(testdb::context().tenants.tenantA, 3);
    FAIL_CHECK("failing on purpose");
}

// The consumer's one test file: everything it uses comes from the installed
// testdb package (headers, testdb::catch2, the suite helper).
#include <catch2/catch.hpp>

#include "testdb/catch2.hpp"
#include "testdb/factory.hpp"
#include "testdb/testdb.hpp"

namespace {
const testdb::Factory widgets = testdb::Factory("widgets", "widget").slugColumn("slug");

long long widgets_of(const testdb::Tenant& tenant) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return testdb::queryRow(tx, "SELECT count(*) FROM widgets WHERE tenant_id = " + tenant.id())[0]
            .as<long long>();
    });
}
}  // namespace

TEST_CASE("consumer: tenants keep widgets apart", "[consumer]") {
    auto& ctx = testdb::context();
    widgets.createMany(ctx.tenants.tenantA, 3);
    widgets.create(ctx.tenants.tenantB);
    CHECK(widgets_of(ctx.tenants.tenantA) == 3);
    CHECK(widgets_of(ctx.tenants.tenantB) == 1);
}

TEST_CASE("consumer: the next test starts clean", "[consumer]") {
    auto& ctx = testdb::context();
    CHECK(widgets_of(ctx.tenants.tenantA) == 0);
    CHECK(testdb::catch2::listenerActive());
}

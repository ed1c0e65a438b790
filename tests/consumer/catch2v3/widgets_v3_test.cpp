// The Catch2 v3 consumer's test file: Catch2 v3's own header, and everything
// else from the installed testdb package (testdb::catch2v3, the suite helper).
#include <catch2/catch_test_macros.hpp>

#include "testdb/factory.hpp"
#include "testdb/lifecycle.hpp"
#include "testdb/testdb.hpp"

namespace {
const testdb::Factory widgets = testdb::Factory("widgets", "widget").slugColumn("slug");

long long widgets_of(const testdb::Tenant& tenant) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return testdb::queryValue<long long>(tx, "SELECT count(*) FROM widgets WHERE tenant_id = $1",
                                             tenant.id());
    });
}
}  // namespace

TEST_CASE("consumer v3: tenants keep widgets apart", "[consumer]") {
    auto& ctx = testdb::context();
    widgets.createMany(ctx.tenants.tenantA, 3);
    widgets.create(ctx.tenants.tenantB);
    CHECK(widgets_of(ctx.tenants.tenantA) == 3);
    CHECK(widgets_of(ctx.tenants.tenantB) == 1);
}

TEST_CASE("consumer v3: the next test starts clean, with the adapter running", "[consumer]") {
    CHECK(widgets_of(testdb::context().tenants.tenantA) == 0);
    CHECK(testdb::lifecycle().active());
}

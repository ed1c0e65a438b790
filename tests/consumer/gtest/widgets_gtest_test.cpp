// The GoogleTest consumer's one test file: everything it uses comes from the
// installed testdb package (headers, testdb::gtest, the suite helper) and
// GoogleTest as find_package(testdb) found it.
#include <gtest/gtest.h>

#include "testdb/context.hpp"
#include "testdb/factory.hpp"
#include "testdb/gtest.hpp"
#include "testdb/testdb.hpp"

namespace {
const testdb::Factory widgets = testdb::Factory("widgets", "widget").slugColumn("slug");

long long widgetsOf(const testdb::Tenant& tenant) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return testdb::queryRow(tx, "SELECT count(*) FROM widgets WHERE tenant_id = " + tenant.id())[0]
            .as<long long>();
    });
}
}  // namespace

TEST(Widgets, TenantsKeepWidgetsApart) {
    auto& ctx = testdb::context();
    widgets.createMany(ctx.tenants.tenantA, 3);
    widgets.create(ctx.tenants.tenantB);
    EXPECT_EQ(widgetsOf(ctx.tenants.tenantA), 3);
    EXPECT_EQ(widgetsOf(ctx.tenants.tenantB), 1);
}

TEST(Widgets, TheNextTestStartsClean) {
    EXPECT_EQ(widgetsOf(testdb::context().tenants.tenantA), 0);
    EXPECT_TRUE(testdb::gtest::listenerActive());
}

// Child side of scenario 6: a test of another file, run after a file whose
// test misbehaved. Its own tenants and cleanup must be unaffected.
#include "child_support.hpp"

using faultchild::items;

TEST_CASE("bystander: a test of another file is unaffected", "[.idle-lock]") {
    auto& ctx = testdb::context();
    items.createMany(ctx.tenants.tenantA.create(), 3);
    CHECK(faultchild::items_of(ctx.tenants.tenantA) == 3);
}

// Child side of scenarios 8 and 10. [.crash] dies by SIGKILL with rows of
// its tenants in the database, like a crashed run; [.after-crash] is the
// next run, which must sweep them at start. [.guard] is pointed at a
// database testdb must refuse: the run must stop before any test or DELETE.
#include <csignal>

#include "child_support.hpp"

using faultchild::items;
using namespace std::chrono_literals;

TEST_CASE("crash: rows, then SIGKILL", "[.crash]") {
    auto& ctx = testdb::context();
    items.createMany(ctx.tenants.tenantA.create(), 4);
    items.createMany(ctx.tenants.tenantB.create(), 2);
    std::raise(SIGKILL);
}

TEST_CASE("after-crash: a clean run of the same file", "[.after-crash]") {
    auto& tenant = testdb::context().tenants.tenantA.create();
    items.createMany(tenant, 1);
    CHECK(faultchild::items_of(tenant) == 1);
}

TEST_CASE("guard: never runs against a refused database", "[.guard]") {
    faultchild::tell_parent("guard-ran");
    FAIL("the safety guard let the run start");
}

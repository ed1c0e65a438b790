// One file of the `testdb run --jobs` test suite (see jobs_support.hpp).

#include "testdb/catch.hpp"  // Catch2 v2 or v3, whichever adapter the suite links

#include "jobs_support.hpp"

TEST_CASE("alpha: three widgets at once", "[jobs]") {
    const auto& tenant = testdb::context().tenants.tenantA.create();
    CHECK(jobs_test::fillPool(tenant) == 3);
}

TEST_CASE("alpha: again, in a fresh tenant", "[jobs]") {
    const auto& tenant = testdb::context().tenants.tenantA.create();
    CHECK(jobs_test::fillPool(tenant) == 3);
}

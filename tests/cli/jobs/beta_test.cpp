// One file of the `testdb run --jobs` test suite (see jobs_support.hpp).
#include <cstdlib>
#include <string>

#include "testdb/catch.hpp"  // Catch2 v2 or v3, whichever adapter the suite links

#include "jobs_support.hpp"

TEST_CASE("beta: three widgets at once", "[jobs]") {
    const auto& tenant = testdb::context().tenants.tenantA.create();
    CHECK(jobs_test::fillPool(tenant) == 3);
}

TEST_CASE("beta: again, in a fresh tenant", "[jobs]") {
    const auto& tenant = testdb::context().tenants.tenantA.create();
    CHECK(jobs_test::fillPool(tenant) == 3);
}

// Fails when TESTDB_JOBS_FAIL=1: the merged run must name its shard and it.
TEST_CASE("beta: fails when asked to", "[jobs]") {
    const char* fail = std::getenv("TESTDB_JOBS_FAIL");
    CHECK(std::string(fail ? fail : "0") == "0");
}

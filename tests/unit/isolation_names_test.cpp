// The tier names TESTDB_ISOLATION and ISOLATION accept, and back.
#include <catch2/catch.hpp>

#include "testdb/errors.hpp"
#include "testdb/isolation.hpp"

// testdb-lint: allow-file no-context (Isolation::Tenant names a tier, not a tenant)

TEST_CASE("every tier name parses, in any case, and prints back", "[isolation]") {
    using testdb::Isolation;
    for (const Isolation tier : {Isolation::Tenant, Isolation::Rollback, Isolation::Database,
                                 Isolation::Touched}) {
        CHECK(testdb::parseIsolation(testdb::isolationName(tier)) == tier);
    }
    CHECK(testdb::parseIsolation("TOUCHED") == testdb::Isolation::Touched);
    CHECK(testdb::isolationName(testdb::Isolation::Touched) == "touched");
}

TEST_CASE("an unknown tier names the four choices", "[isolation]") {
    CHECK_THROWS_WITH(testdb::parseIsolation("truncate", "TESTDB_ISOLATION"),
                      Catch::Contains("TESTDB_ISOLATION=truncate") &&
                          Catch::Contains("tenant, rollback, database or touched"));
}

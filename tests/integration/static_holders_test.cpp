// A user's Lease, Tenant, Factory or Row in static storage outlives every
// static of testdb. The static-holders suite keeps one of each; in every
// isolation tier the kept lease must be reported as a LeakError and the
// process must exit with Catch2's ordinary failure code (1), not a signal.
#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "testdb/testdb.hpp"

using Catch::Matchers::Contains;

TEST_CASE("static holders: no crash at exit, the leak is the failure, in every tier",
          "[selftest]") {
    const std::string tier = GENERATE(as<std::string>{}, "tenant", "rollback", "database");
    const std::string token = "statics" + tier.substr(0, 4);
    const child::Result run =
        child::run(TESTDB_STATIC_HOLDERS_SUITE, "-r compact",
                   {{"DATABASE_URL_TEST", testdb::getTestDb().config().libpq_url},
                    {"TESTDB_RUN_TOKEN", token},
                    {"TESTDB_ISOLATION", tier}});
    INFO("tier " << tier << "\n" << run.output);
    CHECK_THAT(run.output, Contains("LeakError: test \"keeps a lease, a tenant, a factory and a "
                                    "row in static storage\" ended while still holding a lease"));
    // 128 + signal when the process dies at exit (SIGSEGV: 139, SIGABRT: 134).
    CHECK(run.exit_code == 1);
}

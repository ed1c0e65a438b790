// The static-holders suite: a test keeps a Lease, a Tenant, a Factory and a
// Row in static storage, constructed before testdb's own statics, so their
// destructors run after everything testdb built for the run. The harness must
// report the kept lease as a LeakError and the process must then exit with
// the ordinary failure code, not a signal. Run by
// tests/integration/harness_selftest_test.cpp in every isolation tier.
#include "../support.hpp"

namespace {

// Namespace scope: constructed before main(), destroyed after every
// function-local static of testdb (its logger, the TestDb, the pool).
testdb::Lease kept_lease;
std::unique_ptr<testdb::Tenant> kept_tenant;
std::unique_ptr<testdb::Factory> kept_factory;
testdb::Row kept_row;

}  // namespace

TEST_CASE("keeps a lease, a tenant, a factory and a row in static storage", "[static-holders]") {
    auto& ctx = testdb::context();
    kept_factory = std::make_unique<testdb::Factory>(selftest::items);
    kept_tenant = std::make_unique<testdb::Tenant>('s', ctx.fileSlug(), testdb::runToken());
    kept_row = kept_factory->create(ctx.tenants.tenantA.create());
    kept_lease = testdb::getTestDb().acquire("kept in static storage");
    SUCCEED("everything stays in static storage until the process exits");
}

// Shared by the `testdb run --jobs` test suite's three files
// (tests/cli/jobs_test.sh): each test case fills the pool of three
// connections for a moment, so shards running at once show in the server's
// connection count.
#pragma once

#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "testdb/context.hpp"
#include "testdb/factory.hpp"
#include "testdb/testdb.hpp"

namespace jobs_test {

inline const testdb::Factory widgets = testdb::Factory("widgets", "widget").slugColumn("slug");

/// Three threads each add a widget to `tenant` inside a transaction that
/// waits 0.1 s, so all three pooled connections are busy at once; returns
/// the tenant's widgets afterwards.
inline long long fillPool(const testdb::Tenant& tenant) {
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) {
        threads.emplace_back([&tenant] {
            testdb::withTransaction([&](pqxx::work& tx) {
                tx.exec("SELECT pg_sleep(0.1)");
                widgets.create(tx, tenant);
            });
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    return testdb::withTransaction([&](pqxx::work& tx) {
        return testdb::queryRow(tx, "SELECT count(*) FROM widgets WHERE tenant_id = " + tenant.id())[0]
            .as<long long>();
    });
}

/// fillPool() in a fresh tenant of the running test.
inline long long fillFreshTenant() {
    return fillPool(testdb::context().tenants.tenantA.create());
}

}  // namespace jobs_test

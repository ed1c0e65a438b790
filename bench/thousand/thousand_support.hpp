// The generated 1,000-test suite of bench/jobs_bench.sh: ten files of a
// hundred test cases, each one a typical small integration test (a tenant,
// a row, a query), so splitting the suite across processes has something
// to split. Framework-free: generated Catch2 v2 and GoogleTest files use it.
#pragma once

#include <pqxx/pqxx>

#include "testdb/context.hpp"
#include "testdb/factory.hpp"
#include "testdb/testdb.hpp"

namespace thousand {

inline const testdb::Factory widgets = testdb::Factory("widgets", "widget").slugColumn("slug");

/// One typical test: a tenant with one widget; returns how many widgets its
/// tenant sees (1), which the generated test checks with its framework's macro.
inline long long oneWidget() {
    const auto& tenant = testdb::context().tenants.tenantA.create();
    testdb::withTransaction([&](pqxx::work& tx) { widgets.create(tx, tenant); });
    return testdb::withTransaction([&](pqxx::work& tx) {
        return testdb::queryRow(tx, "SELECT count(*) FROM widgets WHERE tenant_id = " + tenant.id())[0]
            .as<long long>();
    });
}

}  // namespace thousand

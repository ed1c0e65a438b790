// The generated 1,000-test suite of bench/jobs_bench.sh: ten files of a
// hundred test cases, each one a typical small integration test (a tenant,
// a row, a query), so splitting the suite across processes has something
// to split.
#pragma once

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "testdb/context.hpp"
#include "testdb/factory.hpp"
#include "testdb/testdb.hpp"

namespace thousand {

inline const testdb::Factory widgets = testdb::Factory("widgets", "widget").slugColumn("slug");

/// One typical test: a tenant with one widget, seen once by its tenant.
inline void oneWidget() {
    const auto& tenant = testdb::context().tenants.tenantA.create();
    testdb::withTransaction([&](pqxx::work& tx) { widgets.create(tx, tenant); });
    const long long count = testdb::withTransaction([&](pqxx::work& tx) {
        return testdb::queryRow(tx, "SELECT count(*) FROM widgets WHERE tenant_id = " + tenant.id())[0]
            .as<long long>();
    });
    CHECK(count == 1);
}

}  // namespace thousand

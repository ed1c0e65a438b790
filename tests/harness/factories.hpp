// The harness self-test suites' factories and small queries, free of any
// test framework: support.hpp (Catch2) and gtest/support.hpp share them.
#pragma once

#include <string>

#include <pqxx/pqxx>

#include "testdb/context.hpp"
#include "testdb/factory.hpp"
#include "testdb/run_token.hpp"
#include "testdb/testdb.hpp"

namespace selftest {

inline const testdb::Factory items = testdb::Factory("items", "item").slugColumn("slug").column(
    "label", [](const testdb::RowSeed& seed) -> std::optional<std::string> {
        return "Item " + std::to_string(seed.n);
    });

inline const testdb::Factory notes =
    testdb::Factory("item_notes", "note").tenantColumn("").column("body", "a note");

/// Rows of `table` (whole table, every tenant): proves what cleanup removed.
inline long long count_rows(const std::string& table, const std::string& where = "true") {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return testdb::queryRow(tx, "SELECT count(*) FROM " + table + " WHERE " + where)[0].as<long long>();
    });
}

/// Items visible to one tenant.
inline long long items_of(const testdb::Tenant& tenant) {
    return count_rows("items", "tenant_id = " + tenant.id());
}

/// The bad suites' stray rows: a tenant of this run (slug
/// "bad-behaviour-x-<run>") and 2 items, made outside testdb's tenants, so
/// only the run-end leftover check finds them.
inline void insert_stray_rows() {
    testdb::withTransaction([](testdb::Transaction& tx) {
        const auto id = testdb::queryValue<std::string>(
            tx, "INSERT INTO tenants (slug) VALUES ($1) RETURNING id",
            "bad-behaviour-x-" + testdb::runToken());
        tx.exec("INSERT INTO items (tenant_id, slug) VALUES (" + id + ", 'stray-1'), (" + id +
                ", 'stray-2')");
    });
}

}  // namespace selftest

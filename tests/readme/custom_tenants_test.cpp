// README.md's "Another tenants table": testdb::setTenantTable() names the
// table, its key, its slug column and the values of its other NOT NULL
// columns; factories name the column that holds the tenant key.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "testdb/context.hpp"
#include "testdb/factory.hpp"
#include "testdb/testdb.hpp"

namespace {

// Set during static initialisation: before the run touches the table.
const bool accounts_are_tenants = [] {
    testdb::TenantTable accounts;
    accounts.table = "accounts";
    accounts.key = "account_no";
    accounts.slug = "handle";  // testdb-lint: allow generic-slug (a column name, not a slug)
    accounts.extra_columns = {{"plan", [](const std::string&) { return std::string("free"); }}};
    testdb::setTenantTable(std::move(accounts));
    return true;
}();

const testdb::Factory invoices =
    testdb::Factory("invoices", "invoice").slugColumn("slug").tenantColumn("account_no");

std::string count_of(const std::string& sql, const std::string& param) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return testdb::queryValue<std::string>(tx, sql, param);
    });
}

}  // namespace

TEST_CASE("custom tenants: accounts(account_no, handle, plan) are the tenants") {
    REQUIRE(accounts_are_tenants);
    auto& tenants = testdb::context().tenants;
    const auto& account = tenants.tenantA.create();
    invoices.createMany(account, 2);

    CHECK(testdb::tenantScopedTables() == std::vector<std::string>{"invoices", "accounts"});
    CHECK(count_of("SELECT count(*) FROM accounts WHERE handle = $1 AND plan = 'free'",
                   account.slug()) == "1");
    CHECK(count_of("SELECT count(*) FROM invoices WHERE account_no = $1", account.id()) == "2");

    const std::string account_no = account.id();
    tenants.cleanupTenants();
    CHECK(count_of("SELECT count(*) FROM invoices WHERE account_no = $1", account_no) == "0");
    CHECK(count_of("SELECT count(*) FROM accounts WHERE account_no = $1", account_no) == "0");
}

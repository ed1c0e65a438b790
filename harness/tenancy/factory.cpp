#include "testdb/factory.hpp"

#include <pqxx/nontransaction>
#include <pqxx/result>

#include "harness/tenancy/tenant_catalog.hpp"
#include "testdb/context.hpp"
#include "testdb/errors.hpp"
#include "testdb/test_db.hpp"

namespace testdb {
namespace {

std::string current_file_slug() {
    const TestContext* current = contexts::current();
    return current != nullptr ? current->fileSlug() : "testdb";
}

}  // namespace

Factory::Factory(std::string table, std::string kind)
    : table_(std::move(table)), kind_(std::move(kind)) {}

Factory::Factory(const Factory& other)
    : table_(other.table_),
      kind_(other.kind_),
      tenant_column_(other.tenant_column_),
      columns_(other.columns_),
      next_(other.next_.load()) {}

Factory& Factory::tenantColumn(std::string column) {
    tenant_column_ = std::move(column);
    return *this;
}

Factory& Factory::slugColumn(std::string column) {
    return this->column(std::move(column), [](const RowSeed& seed) -> std::optional<std::string> {
        return seed.slug;
    });
}

Factory& Factory::column(std::string name, std::string value) {
    return this->column(std::move(name), [value = std::move(value)](const RowSeed&) -> std::optional<std::string> {
        return value;
    });
}

Factory& Factory::column(std::string name, ColumnGenerator generator) {
    for (auto& [existing, gen] : columns_) {
        if (existing == name) {
            gen = std::move(generator);
            return *this;
        }
    }
    columns_.emplace_back(std::move(name), std::move(generator));
    return *this;
}

Row Factory::build(const Row& overrides) const {
    RowSeed seed;
    seed.n = next_++;
    seed.slug = current_file_slug() + "-" + kind_ + "-" + std::to_string(seed.n);
    Row row;
    for (const auto& [name, generate] : columns_) {
        row[name] = generate(seed);
    }
    for (const auto& [name, value] : overrides) {
        row[name] = value;
    }
    return row;
}

Row Factory::create(const Tenant& tenant, const Row& overrides, SourceLocation where) const {
    return createMany(tenant, 1, overrides, where).front();
}

Row Factory::create(pqxx::transaction_base& tx, const Tenant& tenant, const Row& overrides,
                    SourceLocation where) const {
    return insert(tx, tenant, 1, overrides, where).front();
}

std::vector<Row> Factory::createMany(const Tenant& tenant, int n, const Row& overrides,
                                     SourceLocation where) const {
    if (!tenant_column_.empty()) {
        tenant.create(where);  // before leasing: creating it needs a lease of its own
    }
    Lease lease = tenant.pool().acquire("testdb: " + kind_ + " factory", where);
    if (lease.nested()) {
        // Rollback tier: a failing insert (a test expecting a constraint
        // error) must not abort the test case's transaction.
        return withTransaction(
            lease, [&](Transaction& tx) { return insert(tx, tenant, n, overrides, where); });
    }
    // One statement in autocommit: atomic, and a single round trip (a
    // pqxx::work would add BEGIN and COMMIT).
    pqxx::nontransaction tx(lease.connection());
    return insert(tx, tenant, n, overrides, where);
}

std::vector<Row> Factory::createMany(pqxx::transaction_base& tx, const Tenant& tenant, int n,
                                     const Row& overrides, SourceLocation where) const {
    return insert(tx, tenant, n, overrides, where);
}

std::vector<Row> Factory::insert(pqxx::transaction_base& tx, const Tenant& tenant, int n,
                                 const Row& overrides, SourceLocation where) const {
    if (n < 1) {
        throw Error("Error: " + kind_ + " factory asked for " + std::to_string(n) +
                    " rows of " + table_ + ".\nFix: ask for at least one row.");
    }
    // In the rollback tier the tenant row can join the caller's transaction.
    if (!tenant_column_.empty() && overrides.count(tenant_column_) == 0 && !tenant.created() &&
        detail::pinnedTransaction() != &tx) {
        // Creating it here would need a second connection while the caller's
        // transaction holds one (a wait on the pool, and a tenant row that
        // outlives a rolled-back transaction).
        throw Error("Error: " + kind_ + " factory at " + where.toString() + " got tenant " +
                    tenant.slug() + " inside a transaction before the tenant was created.\nFix: call " +
                    "tenant.create() before opening the transaction (or use create(tenant) "
                    "without a transaction, which creates it first).");
    }
    std::vector<Row> rows;
    rows.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        Row row = build(overrides);
        if (!tenant_column_.empty() && row.count(tenant_column_) == 0) {
            row[tenant_column_] = tenant.id(where);
        }
        rows.push_back(std::move(row));
    }
    // Every row has the same columns: the factory's plus the overrides.
    std::string columns;
    for (const auto& entry : rows.front()) {
        columns += (columns.empty() ? "" : ", ") + tx.quote_name(entry.first);
    }
    std::string values;
    for (const Row& row : rows) {
        std::string tuple;
        for (const auto& entry : row) {
            tuple += (tuple.empty() ? "" : ", ") + (entry.second ? tx.quote(*entry.second) : "NULL");
        }
        values += (values.empty() ? "(" : ", (") + tuple + ")";
    }
    detail::count_statement();
    const pqxx::result inserted =
        tx.exec("INSERT INTO " + table_ + " (" + columns + ") VALUES " + values + " RETURNING *");
    std::vector<Row> created;
    created.reserve(inserted.size());
    for (const auto& result_row : inserted) {
        Row row;
        for (const auto& field : result_row) {
            row[field.name()] = field.is_null() ? std::nullopt
                                                : std::optional<std::string>(field.c_str());
        }
        created.push_back(std::move(row));
    }
    return created;
}

}  // namespace testdb

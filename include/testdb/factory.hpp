/// @file factory.hpp
/// @brief testdb::Factory: rows for one table with unique slugs, built in
/// memory or written for a tenant, one row or many in one round trip.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/transaction_base>

#include "testdb/source_location.hpp"
#include "testdb/tenants.hpp"

namespace testdb {

/// One row: column name -> value as text (std::nullopt is SQL NULL).
using Row = std::map<std::string, std::optional<std::string>>;

/// What a column generator knows about the row it fills.
struct RowSeed {
    long long n = 0;   ///< per-factory sequence number, unique in the process
    std::string slug;  ///< `<file-slug>-<kind>-<n>`
};

/// Makes a column's value for one row.
using ColumnGenerator = std::function<std::optional<std::string>(const RowSeed&)>;

/// Declares how to make rows of one table. Define one per table at file or
/// namespace scope and reuse it in every test:
///
///     testdb::Factory packages = testdb::Factory("packages", "package")
///         .slugColumn("slug")
///         .column("name", [](const testdb::RowSeed& s) { return "Package " + s.slug; })
///         .column("price_cents", "1000");
///
/// The file slug comes from the running test's context, so slugs are unique
/// per file and never collide between files.
class Factory {
public:
    /// Rows of `table`; `kind` names them in slugs (`booking-repository-package-3`).
    Factory(std::string table, std::string kind);
    Factory(const Factory& other);
    Factory& operator=(const Factory&) = delete;

    /// The column holding the tenant key (default "tenant_id"); "" for a
    /// table without one (then create() ignores the tenant).
    Factory& tenantColumn(std::string column);
    /// A column filled with the row's slug.
    Factory& slugColumn(std::string column);
    /// A column with a fixed value.
    Factory& column(std::string name, std::string value);
    /// A column with a generated value.
    Factory& column(std::string name, ColumnGenerator generator);

    /// A row in memory, no database: generated columns plus overrides.
    Row build(const Row& overrides = {}) const;

    /// Inserts one row for `tenant` (one statement) and returns it as stored
    /// (every column, the generated key included).
    /// `where` (the caller, captured automatically) is named by its errors.
    Row create(const Tenant& tenant, const Row& overrides = {},
               SourceLocation where = SourceLocation::current()) const;
    /// Same, inside a transaction you already hold.
    Row create(pqxx::transaction_base& tx, const Tenant& tenant, const Row& overrides = {},
               SourceLocation where = SourceLocation::current()) const;

    /// Inserts `n` rows for `tenant` with one multi-row INSERT (one round
    /// trip, one transaction) and returns them with their keys, in order.
    std::vector<Row> createMany(const Tenant& tenant, int n, const Row& overrides = {},
                                SourceLocation where = SourceLocation::current()) const;
    /// Same, inside a transaction you already hold.
    std::vector<Row> createMany(pqxx::transaction_base& tx, const Tenant& tenant, int n,
                                const Row& overrides = {},
                                SourceLocation where = SourceLocation::current()) const;

    /// The table name.
    const std::string& table() const { return table_; }

private:
    std::vector<Row> insert(pqxx::transaction_base& tx, const Tenant& tenant, int n,
                            const Row& overrides, SourceLocation where) const;

    std::string table_;
    std::string kind_;
    std::string tenant_column_ = "tenant_id";
    std::vector<std::pair<std::string, ColumnGenerator>> columns_;
    mutable std::atomic<long long> next_{1};
};

}  // namespace testdb

/// @file tenants.hpp
/// @brief Tenants A and B of one test file: created on demand, with slugs
/// unique to the file and the run, and deleted with every row that hangs off
/// them by cleanupTenants().
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/strconv>

#include "testdb/source_location.hpp"

namespace testdb {

class Pool;

namespace detail {
struct SavepointMark;
}  // namespace detail

/// Where tenants live. Defaults match a table `tenants(id, slug)`.
struct TenantTable {
    std::string table = "tenants";  ///< tenant table (optionally schema-qualified)
    std::string key = "id";         ///< its primary key column
    std::string slug = "slug";      ///< its unique slug column
    /// Other NOT NULL columns a tenant row needs: column name and a function
    /// from the tenant's slug to the column's value (testdb quotes it).
    std::vector<std::pair<std::string, std::function<std::string(const std::string& slug)>>>
        extra_columns;
};

/// Sets the tenant table layout for the whole process (call before the run,
/// e.g. from a static initialiser in one test file or from main()).
void setTenantTable(TenantTable table);
/// The tenant table layout in force.
const TenantTable& tenantTable();

/// One tenant of a test file (`tenantA` or `tenantB`). Thread-safe: threads
/// of a race test may share it.
class Tenant {
public:
    /// A tenant whose slug will be `<file-slug>-<letter>-<run-token>`, whose
    /// rows go through `pool` (getTestDb()'s pool when null, looked up at
    /// first use so a tenant can exist during static initialisation).
    Tenant(char letter, std::string file_slug, std::string run_token, Pool* pool = nullptr);

    /// Binds the tenant to the session's pool (the lifecycle does it when
    /// the run starts).
    void bind(Pool& pool) { pool_ = &pool; }
    /// The pool this tenant's rows are written through.
    Pool& pool() const;

    /// Inserts the tenant row (one statement) unless this test already did;
    /// returns *this so `tenantA.create().id()` reads well. Inside a
    /// rollback-tier withTransaction() the row is part of that transaction
    /// (and made again if its savepoint is rolled back). Errors name `where`.
    /// Throws IsolationError when the test case it belongs to has ended.
    const Tenant& create(SourceLocation where = SourceLocation::current()) const;
    /// True once create() ran in the current test case.
    bool created() const;
    /// The tenant's key as text (creates the tenant if needed, see create()).
    std::string id(SourceLocation where = SourceLocation::current()) const;
    /// The tenant's key converted with libpqxx, e.g. `idAs<long long>()`.
    template <typename T>
    T idAs(SourceLocation where = SourceLocation::current()) const {
        T value{};
        pqxx::from_string(id(where), value);
        return value;
    }
    /// Deprecated spelling of idAs().
    template <typename T>
    [[deprecated("use idAs()")]] T id_as(SourceLocation where = SourceLocation::current()) const {
        return idAs<T>(where);
    }
    /// The slug, known before create(): `booking-repository-a-7f3c2a`.
    const std::string& slug() const { return slug_; }
    /// 'a' or 'b'.
    char letter() const { return letter_; }

    /// The test case that last created the row ("" when none did).
    std::string createdBy() const;

    /// Forgets the created row (after cleanup deleted it).
    void forget() const;

private:
    char letter_;
    std::string slug_;
    Pool* pool_;  // null: getTestDb()'s, looked up at use
    mutable std::mutex mutex_;
    mutable std::string id_;  // empty until created
    mutable std::string created_by_;
    // The rollback-tier savepoint the row was made in (nullptr: none).
    mutable std::shared_ptr<const detail::SavepointMark> created_in_;
    bool exists_locked() const;
};

/// Tenants A and B of one test file, and their cleanup.
class Tenants {
public:
    /// Tenants of the file with slug `file_slug` in run `run_token`, working
    /// through `pool` (see Tenant::Tenant()).
    Tenants(const std::string& file_slug, const std::string& run_token, Pool* pool = nullptr);

    /// Binds both tenants and the cleanup to the session's pool.
    void bind(Pool& pool);

    Tenant tenantA;  ///< first tenant of the file
    Tenant tenantB;  ///< second tenant, for isolation checks

    /// Deletes every row of this file's tenants from every tenant-scoped
    /// table (one statement, so foreign-key cycles are fine), then from the
    /// tables that carry the tenant column without a foreign key, in one
    /// transaction and one round trip. In the tenant and database tiers it
    /// also counts the rows written since the last cleanup into tables it
    /// cannot reach. Does nothing (no round trip) when no tenant was created
    /// and there is no such table. Throws LeakError naming the constraint
    /// and tables when the delete fails (the rows are then set aside under
    /// renamed tenants, so the file's next test starts clean), or naming the
    /// unreached tables and row counts. Refused by the safety guard in a
    /// database that is not a test database.
    void cleanupTenants();

    /// Rows of this file's tenants still present, per table (one round trip);
    /// empty when none. Used by leak checks after a test that kept its rows.
    std::vector<std::pair<std::string, long long>> remainingRows() const;

    /// Renames the created tenants to `<file-slug>-<letter>k<n>-<run-token>` so
    /// their rows survive (TESTDB_KEEP_FAILED=1) without blocking the next
    /// test's tenants; returns the new slugs. The next run sweeps them.
    std::vector<std::string> keepForInspection();

    /// Slugs of both tenants (whether created or not).
    std::vector<std::string> slugs() const { return {tenantA.slug(), tenantB.slug()}; }
    /// True when tenant A or B was created and not yet cleaned up.
    bool anyCreated() const { return tenantA.created() || tenantB.created(); }
};

/// The tables cleanupTenants() deletes from: those that hang off the tenant
/// table through foreign keys (directly or several hops away), children
/// first, then those that carry the tenant column without a foreign key,
/// ending with the tenant table itself.
/// Read from the catalog once per process, on first use.
std::vector<std::string> tenantScopedTables();
/// The same, read through `pool`.
std::vector<std::string> tenantScopedTables(Pool& pool);

/// Removes the tenants (and their rows) of earlier runs of these files whose
/// run token has no live backend left on the server (a crashed or killed
/// run). Returns the slugs removed. Safety-guarded.
std::vector<std::string> sweepStaleTenants(const std::vector<std::string>& file_slugs);
/// The same, through `pool` (the lifecycle passes the session's pool).
std::vector<std::string> sweepStaleTenants(Pool& pool, const std::vector<std::string>& file_slugs);

/// Rows still present, per table, of any tenant of the current run
/// (slug ending in `-<run-token>`): the leftovers of the whole run. The
/// lifecycle's run-end check (per tenant, with the test that made it)
/// replaces it.
[[deprecated("the lifecycle checks leftovers at run end; see RunReport::leftovers")]]
std::vector<std::pair<std::string, long long>> remainingRowsOfRun();

/// How many statements testdb's own tenant and factory code has sent in this
/// process: tests use it to prove how many round trips the harness costs.
unsigned long long harnessStatements();

}  // namespace testdb

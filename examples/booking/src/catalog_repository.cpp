// CatalogRepository: packages and add-ons, every statement filtered by tenant.
#include <algorithm>

#include <pqxx/except>
#include <pqxx/result>

#include "booking/catalog.hpp"
#include "booking/errors.hpp"
#include "sql_support.hpp"
#include "testdb/query.hpp"

namespace booking {
namespace {

const char* const kPackageColumns = "id, tenant_id, slug, name, price_cents";
const char* const kAddonColumns = "id, tenant_id, package_id, slug, name, price_cents";

// Callers pass pqxx::row(...): indexing or iterating a pqxx::result gives a
// pqxx::row in libpqxx 6 and 7 but a pqxx::row_ref in 8.
Package packageFrom(const pqxx::row& row) {
    return Package{row["id"].as<long long>(), TenantId{row["tenant_id"].as<long long>()},
                   row["slug"].as<std::string>(), row["name"].as<std::string>(),
                   row["price_cents"].as<long long>()};
}

Addon addonFrom(const pqxx::row& row) {
    return Addon{row["id"].as<long long>(),          TenantId{row["tenant_id"].as<long long>()},
                 row["package_id"].as<long long>(),  row["slug"].as<std::string>(),
                 row["name"].as<std::string>(),      row["price_cents"].as<long long>()};
}

void validate(const std::string& slug, const std::string& name, long long price_cents) {
    detail::requireNonEmpty(slug, "slug");
    detail::requireNonEmpty(name, "name");
    detail::requireNonNegative(price_cents, "price_cents");
}

NotFound packageNotFound(const std::string& slug) {
    return NotFound("package \"" + slug + "\" not found for this tenant");
}

}  // namespace

const Package* CatalogSnapshot::findPackage(const std::string& slug) const {
    auto found = std::find_if(packages.begin(), packages.end(),
                              [&](const Package& p) { return p.slug == slug; });
    return found == packages.end() ? nullptr : &*found;
}

const std::vector<Addon>& CatalogSnapshot::addonsOf(long long package_id) const {
    static const std::vector<Addon> none;
    auto found = addons.find(package_id);
    return found == addons.end() ? none : found->second;
}

Package CatalogRepository::createPackage(pqxx::transaction_base& tx, TenantId tenant,
                                         const NewPackage& draft) const {
    validate(draft.slug, draft.name, draft.price_cents);
    try {
        return packageFrom(testdb::queryRow(tx,
            std::string("INSERT INTO catalog_packages (tenant_id, slug, name, price_cents)"
                        " VALUES ($1, $2, $3, $4) RETURNING ") + kPackageColumns,
            tenant.value, draft.slug, draft.name, draft.price_cents));
    } catch (const pqxx::unique_violation&) {
        // UNIQUE (tenant_id, slug) is the only unique key a new row can hit.
        throw DuplicateSlug(draft.slug);
    } catch (const pqxx::foreign_key_violation&) {
        throw UnknownTenant("unknown tenant: no tenant id " + std::to_string(tenant.value));
    }
}

std::optional<Package> CatalogRepository::findPackage(pqxx::transaction_base& tx, TenantId tenant,
                                                      const std::string& slug) const {
    const pqxx::result rows = testdb::query(tx,
        std::string("SELECT ") + kPackageColumns +
            " FROM catalog_packages WHERE tenant_id = $1 AND slug = $2",
        tenant.value, slug);
    if (rows.empty()) {
        return std::nullopt;
    }
    return packageFrom(pqxx::row(rows[0]));
}

std::vector<Package> CatalogRepository::listPackages(pqxx::transaction_base& tx,
                                                     TenantId tenant) const {
    std::vector<Package> packages;
    for (const auto& row : testdb::query(tx, std::string("SELECT ") + kPackageColumns +
                                              " FROM catalog_packages WHERE tenant_id = $1"
                                              " ORDER BY slug",
                                          tenant.value)) {
        packages.push_back(packageFrom(pqxx::row(row)));
    }
    return packages;
}

Package CatalogRepository::updatePackagePrice(pqxx::transaction_base& tx, TenantId tenant,
                                              const std::string& slug, long long price_cents) const {
    detail::requireNonNegative(price_cents, "price_cents");
    const pqxx::result rows = testdb::query(tx,
        std::string("UPDATE catalog_packages SET price_cents = $3"
                    " WHERE tenant_id = $1 AND slug = $2 RETURNING ") + kPackageColumns,
        tenant.value, slug, price_cents);
    if (rows.empty()) {
        throw packageNotFound(slug);
    }
    return packageFrom(pqxx::row(rows[0]));
}

void CatalogRepository::deletePackage(pqxx::transaction_base& tx, TenantId tenant,
                                      const std::string& slug) const {
    pqxx::result rows;
    try {
        // Add-ons go with the package (ON DELETE CASCADE); bookings do not:
        // their foreign key refuses, and that refusal is the InUse answer.
        rows = testdb::query(tx, "DELETE FROM catalog_packages WHERE tenant_id = $1 AND slug = $2"
                              " RETURNING id",
                              tenant.value, slug);
    } catch (const pqxx::foreign_key_violation&) {
        throw InUse("package \"" + slug + "\" has bookings and cannot be deleted");
    }
    if (rows.empty()) {
        throw packageNotFound(slug);
    }
}

Addon CatalogRepository::createAddon(pqxx::transaction_base& tx, TenantId tenant,
                                     const std::string& package_slug, const NewAddon& draft) const {
    validate(draft.slug, draft.name, draft.price_cents);
    pqxx::result rows;
    try {
        // One statement finds the package of *this* tenant and inserts: no
        // window between lookup and insert, and no way to reach another
        // tenant's package (the composite foreign key would refuse anyway).
        rows = testdb::query(tx,
            std::string("INSERT INTO catalog_addons (tenant_id, package_id, slug, name, price_cents)"
                        " SELECT p.tenant_id, p.id, $3, $4, $5 FROM catalog_packages p"
                        " WHERE p.tenant_id = $1 AND p.slug = $2 RETURNING ") + kAddonColumns,
            tenant.value, package_slug, draft.slug, draft.name, draft.price_cents);
    } catch (const pqxx::unique_violation&) {
        throw DuplicateSlug(draft.slug);
    }
    if (rows.empty()) {
        throw packageNotFound(package_slug);
    }
    return addonFrom(pqxx::row(rows[0]));
}

std::vector<Addon> CatalogRepository::listAddons(pqxx::transaction_base& tx, TenantId tenant,
                                                 const std::string& package_slug) const {
    const std::optional<Package> package = findPackage(tx, tenant, package_slug);
    if (!package) {
        throw packageNotFound(package_slug);
    }
    std::vector<Addon> addons;
    for (const auto& row : testdb::query(tx, std::string("SELECT ") + kAddonColumns +
                                              " FROM catalog_addons WHERE tenant_id = $1"
                                              " AND package_id = $2 ORDER BY slug",
                                          tenant.value, package->id)) {
        addons.push_back(addonFrom(pqxx::row(row)));
    }
    return addons;
}

void CatalogRepository::deleteAddon(pqxx::transaction_base& tx, TenantId tenant,
                                    const std::string& slug) const {
    pqxx::result rows;
    try {
        rows = testdb::query(tx,
            "DELETE FROM catalog_addons WHERE tenant_id = $1 AND slug = $2 RETURNING id",
            tenant.value, slug);
    } catch (const pqxx::foreign_key_violation&) {
        throw InUse("add-on \"" + slug + "\" is part of a booking and cannot be deleted");
    }
    if (rows.empty()) {
        throw NotFound("add-on \"" + slug + "\" not found for this tenant");
    }
}

CatalogSnapshot CatalogRepository::loadSnapshot(pqxx::transaction_base& tx, TenantId tenant) const {
    // One statement, hence one MVCC snapshot even under READ COMMITTED: the
    // packages and add-ons cached together were true together.
    const pqxx::result rows = testdb::query(tx,
        "SELECT p.id, p.tenant_id, p.slug, p.name, p.price_cents,"
        "       a.id AS addon_id, a.slug AS addon_slug, a.name AS addon_name,"
        "       a.price_cents AS addon_price"
        "  FROM catalog_packages p"
        "  LEFT JOIN catalog_addons a ON a.tenant_id = p.tenant_id AND a.package_id = p.id"
        " WHERE p.tenant_id = $1 ORDER BY p.slug, a.slug",
        tenant.value);
    CatalogSnapshot snapshot;
    snapshot.tenant = tenant;
    for (const auto& row : rows) {
        const long long package_id = row["id"].as<long long>();
        if (snapshot.packages.empty() || snapshot.packages.back().id != package_id) {
            snapshot.packages.push_back(packageFrom(pqxx::row(row)));
        }
        if (!row["addon_id"].is_null()) {
            snapshot.addons[package_id].push_back(
                Addon{row["addon_id"].as<long long>(), tenant, package_id,
                      row["addon_slug"].as<std::string>(), row["addon_name"].as<std::string>(),
                      row["addon_price"].as<long long>()});
        }
    }
    return snapshot;
}

}  // namespace booking

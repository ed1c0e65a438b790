/// @file catalog.hpp
/// @brief Packages and their add-ons, per tenant: the rows and the repository.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/transaction_base>

#include "booking/tenants.hpp"

namespace booking {

/// A bookable package of one tenant.
struct Package {
    long long id = 0;           ///< primary key
    TenantId tenant;            ///< owning tenant
    std::string slug;           ///< unique within the tenant
    std::string name;           ///< display name
    long long price_cents = 0;  ///< price in cents (integers: money never in floats)
};

/// An optional extra that belongs to one package of the same tenant.
struct Addon {
    long long id = 0;           ///< primary key
    TenantId tenant;            ///< owning tenant
    long long package_id = 0;   ///< the package it extends
    std::string slug;           ///< unique within the tenant
    std::string name;           ///< display name
    long long price_cents = 0;  ///< price in cents
};

/// What a caller supplies to create a package.
struct NewPackage {
    std::string slug;           ///< non-empty, unique within the tenant
    std::string name;           ///< non-empty
    long long price_cents = 0;  ///< zero or more
};

/// What a caller supplies to create an add-on.
struct NewAddon {
    std::string slug;           ///< non-empty, unique within the tenant
    std::string name;           ///< non-empty
    long long price_cents = 0;  ///< zero or more
};

/// Everything one tenant's catalog holds, read by one statement so the
/// packages and add-ons agree with each other. This is what the cache keeps.
struct CatalogSnapshot {
    TenantId tenant;                                    ///< whose catalog
    std::vector<Package> packages;                      ///< ordered by slug
    std::map<long long, std::vector<Addon>> addons;     ///< by package id, each ordered by slug

    /// The package with `slug`, or nullptr.
    const Package* findPackage(const std::string& slug) const;
    /// The add-ons of package `package_id` (empty when it has none).
    const std::vector<Addon>& addonsOf(long long package_id) const;
};

/// SQL access to the catalog. Every call runs inside the caller's
/// transaction, so several calls can commit (or roll back) together, and
/// every query is filtered by tenant: another tenant's rows are invisible.
/// Database refusals arrive as booking errors (DuplicateSlug, InUse); after
/// one the transaction is aborted and must be rolled back.
class CatalogRepository {
public:
    /// Inserts a package. Throws InvalidInput or DuplicateSlug.
    Package createPackage(pqxx::transaction_base& tx, TenantId tenant, const NewPackage& draft) const;
    /// The package with `slug`, if the tenant has one.
    std::optional<Package> findPackage(pqxx::transaction_base& tx, TenantId tenant,
                                       const std::string& slug) const;
    /// The tenant's packages, ordered by slug.
    std::vector<Package> listPackages(pqxx::transaction_base& tx, TenantId tenant) const;
    /// Sets a package's price; returns the updated row. Throws InvalidInput or NotFound.
    Package updatePackagePrice(pqxx::transaction_base& tx, TenantId tenant,
                               const std::string& slug, long long price_cents) const;
    /// Deletes a package and its add-ons. Throws NotFound, or InUse when
    /// bookings refer to it (their history must survive).
    void deletePackage(pqxx::transaction_base& tx, TenantId tenant, const std::string& slug) const;

    /// Adds an add-on to the tenant's package `package_slug`. Throws
    /// InvalidInput, NotFound (no such package for this tenant) or DuplicateSlug.
    Addon createAddon(pqxx::transaction_base& tx, TenantId tenant,
                      const std::string& package_slug, const NewAddon& draft) const;
    /// The add-ons of package `package_slug`, ordered by slug. Throws NotFound.
    std::vector<Addon> listAddons(pqxx::transaction_base& tx, TenantId tenant,
                                  const std::string& package_slug) const;
    /// Deletes an add-on. Throws NotFound, or InUse when a booking includes it.
    void deleteAddon(pqxx::transaction_base& tx, TenantId tenant, const std::string& slug) const;

    /// The tenant's whole catalog (one query in `tx`).
    CatalogSnapshot loadSnapshot(pqxx::transaction_base& tx, TenantId tenant) const;
};

}  // namespace booking

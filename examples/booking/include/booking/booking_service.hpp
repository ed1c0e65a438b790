/// @file booking_service.hpp
/// @brief BookingService: the booking example's entry point. Resolves the
/// tenant (by slug or id), runs each call in one transaction on a testdb
/// lease, and keeps catalog reads in a tenant-keyed cache.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "booking/bookings.hpp"
#include "booking/catalog.hpp"
#include "booking/catalog_cache.hpp"
#include "booking/errors.hpp"
#include "booking/tenants.hpp"
#include "booking/webhooks.hpp"

namespace booking {

/// The service. Every public call takes one lease from testdb's pool for one
/// transaction and gives it back before returning, and never asks for a
/// second lease while holding the first, so any number of threads may share
/// one service (and one pool of 3) without waiting on themselves.
///
/// Every call throws UnknownTenant when the TenantRef names no tenant.
class BookingService {
public:
    /// A service with its own cache, or sharing `cache` with other services.
    explicit BookingService(std::shared_ptr<CatalogCache> cache = std::make_shared<CatalogCache>());

    /// The tenant `ref` names, read from the database (never cached: a slug
    /// may be given to a new tenant after the old one was deleted).
    ResolvedTenant resolveTenant(const TenantRef& ref) const;

    /// Creates a package (see CatalogRepository::createPackage).
    Package createPackage(const TenantRef& ref, const NewPackage& draft);
    /// The tenant's packages, ordered by slug (cached).
    std::vector<Package> listPackages(const TenantRef& ref);
    /// The package with `slug` (cached).
    std::optional<Package> findPackage(const TenantRef& ref, const std::string& slug);
    /// Sets a package's price.
    Package updatePackagePrice(const TenantRef& ref, const std::string& slug, long long price_cents);
    /// Deletes a package and its add-ons.
    void deletePackage(const TenantRef& ref, const std::string& slug);
    /// Adds an add-on to a package.
    Addon addAddon(const TenantRef& ref, const std::string& package_slug, const NewAddon& draft);
    /// The add-ons of a package, ordered by slug (cached). Throws NotFound.
    std::vector<Addon> listAddons(const TenantRef& ref, const std::string& package_slug);

    /// Books a date (see BookingRepository::create); throws DateUnavailable
    /// when the date is taken.
    Booking book(const TenantRef& ref, const BookingRequest& request);
    /// Cancels a booking, freeing its date.
    Booking cancelBooking(const TenantRef& ref, long long booking_id);
    /// The booking `booking_id` of this tenant, if any.
    std::optional<Booking> findBooking(const TenantRef& ref, long long booking_id);
    /// The tenant's bookings, ordered by date.
    std::vector<Booking> listBookings(const TenantRef& ref);

    /// Processes a payment webhook delivery exactly once per event (see
    /// WebhookRepository::process).
    WebhookResult handlePaymentWebhook(const TenantRef& ref, const PaymentEvent& event);

    /// The catalog cache this service reads through.
    CatalogCache& cache() { return *cache_; }

private:
    std::shared_ptr<const CatalogSnapshot> snapshot(pqxx::transaction_base& tx, TenantId tenant);

    std::shared_ptr<CatalogCache> cache_;
    TenantDirectory tenants_;
    CatalogRepository catalog_;
    BookingRepository bookings_;
    WebhookRepository webhooks_;
};

}  // namespace booking

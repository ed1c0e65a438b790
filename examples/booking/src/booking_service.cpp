// BookingService: one call, one lease, one transaction. The tenant is
// resolved inside the same transaction as the work, so "resolve" and "use"
// can never see two different tenants.
#include "booking/booking_service.hpp"

#include <utility>

#include <pqxx/transaction>

#include "testdb/test_db.hpp"

namespace booking {
namespace {

// Invalidates the tenant's cache entry when the write scope ends, whether
// the transaction committed or threw. After a throw nothing changed in the
// usual case, but a lost connection during COMMIT (pqxx::in_doubt_error)
// leaves it unknown: one needless cache miss is cheap, a stale read is not.
// It runs after withTransaction() returned, i.e. after COMMIT: invalidating
// before COMMIT would let a reader cache the old rows again in between.
class InvalidateOnExit {
public:
    explicit InvalidateOnExit(CatalogCache& cache) : cache_(cache) {}
    InvalidateOnExit(const InvalidateOnExit&) = delete;
    InvalidateOnExit& operator=(const InvalidateOnExit&) = delete;
    ~InvalidateOnExit() {
        if (tenant_) {
            cache_.invalidate(*tenant_);
        }
    }
    /// Arms the guard once the tenant is known (before the first write).
    void arm(TenantId tenant) { tenant_ = tenant; }

private:
    CatalogCache& cache_;
    std::optional<TenantId> tenant_;
};

}  // namespace

BookingService::BookingService(std::shared_ptr<CatalogCache> cache) : cache_(std::move(cache)) {}

ResolvedTenant BookingService::resolveTenant(const TenantRef& ref) const {
    return testdb::withTransaction([&](testdb::Transaction& tx) { return tenants_.resolve(tx, ref); });
}

std::shared_ptr<const CatalogSnapshot> BookingService::snapshot(pqxx::transaction_base& tx,
                                                                TenantId tenant) {
    // The loader uses the lease this call already holds: asking the pool
    // for a second one here could wait on ourselves.
    return cache_->getOrLoad(tenant, [&] { return catalog_.loadSnapshot(tx, tenant); });
}

Package BookingService::createPackage(const TenantRef& ref, const NewPackage& draft) {
    InvalidateOnExit invalidate(*cache_);
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        const TenantId tenant = tenants_.resolve(tx, ref).id;
        invalidate.arm(tenant);
        return catalog_.createPackage(tx, tenant, draft);
    });
}

std::vector<Package> BookingService::listPackages(const TenantRef& ref) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return snapshot(tx, tenants_.resolve(tx, ref).id)->packages;
    });
}

std::optional<Package> BookingService::findPackage(const TenantRef& ref, const std::string& slug) {
    return testdb::withTransaction([&](testdb::Transaction& tx) -> std::optional<Package> {
        const auto catalog = snapshot(tx, tenants_.resolve(tx, ref).id);
        const Package* found = catalog->findPackage(slug);
        return found ? std::optional<Package>(*found) : std::nullopt;
    });
}

Package BookingService::updatePackagePrice(const TenantRef& ref, const std::string& slug,
                                           long long price_cents) {
    InvalidateOnExit invalidate(*cache_);
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        const TenantId tenant = tenants_.resolve(tx, ref).id;
        invalidate.arm(tenant);
        return catalog_.updatePackagePrice(tx, tenant, slug, price_cents);
    });
}

void BookingService::deletePackage(const TenantRef& ref, const std::string& slug) {
    InvalidateOnExit invalidate(*cache_);
    testdb::withTransaction([&](testdb::Transaction& tx) {
        const TenantId tenant = tenants_.resolve(tx, ref).id;
        invalidate.arm(tenant);
        catalog_.deletePackage(tx, tenant, slug);
    });
}

Addon BookingService::addAddon(const TenantRef& ref, const std::string& package_slug,
                               const NewAddon& draft) {
    InvalidateOnExit invalidate(*cache_);
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        const TenantId tenant = tenants_.resolve(tx, ref).id;
        invalidate.arm(tenant);
        return catalog_.createAddon(tx, tenant, package_slug, draft);
    });
}

std::vector<Addon> BookingService::listAddons(const TenantRef& ref, const std::string& package_slug) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        const auto catalog = snapshot(tx, tenants_.resolve(tx, ref).id);
        const Package* package = catalog->findPackage(package_slug);
        if (package == nullptr) {
            throw NotFound("package \"" + package_slug + "\" not found for this tenant");
        }
        return catalog->addonsOf(package->id);
    });
}

Booking BookingService::book(const TenantRef& ref, const BookingRequest& request) {
    // Prices are read from the database, not the cache: a booking must
    // charge the price as committed now, not as cached a while ago.
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return bookings_.create(tx, tenants_.resolve(tx, ref).id, request);
    });
}

Booking BookingService::cancelBooking(const TenantRef& ref, long long booking_id) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return bookings_.cancel(tx, tenants_.resolve(tx, ref).id, booking_id);
    });
}

std::optional<Booking> BookingService::findBooking(const TenantRef& ref, long long booking_id) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return bookings_.find(tx, tenants_.resolve(tx, ref).id, booking_id);
    });
}

std::vector<Booking> BookingService::listBookings(const TenantRef& ref) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return bookings_.list(tx, tenants_.resolve(tx, ref).id);
    });
}

WebhookResult BookingService::handlePaymentWebhook(const TenantRef& ref, const PaymentEvent& event) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return webhooks_.process(tx, tenants_.resolve(tx, ref).id, event);
    });
}

}  // namespace booking

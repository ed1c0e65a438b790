// CatalogCache: shared_mutex for the map, per-tenant generations so a load
// that raced an invalidation is never stored over the newer truth.
#include "booking/catalog_cache.hpp"

#include <mutex>

namespace booking {

std::shared_ptr<const CatalogSnapshot> CatalogCache::getOrLoad(TenantId tenant, const Loader& load) {
    {
        std::shared_lock<std::shared_mutex> lock(mutex_);
        auto found = entries_.find(tenant);
        if (found != entries_.end() && found->second.snapshot) {
            ++hits_;
            return found->second.snapshot;
        }
    }
    ++misses_;
    std::uint64_t generation = 0;
    {
        // Create the entry before loading, so an invalidate() or clear()
        // during the load bumps a generation this load can see.
        std::unique_lock<std::shared_mutex> lock(mutex_);
        generation = entries_[tenant].generation;
    }
    // The load runs without the lock: it talks to the database, and readers
    // of other tenants must not queue behind it.
    auto loaded = std::make_shared<const CatalogSnapshot>(load());
    {
        std::unique_lock<std::shared_mutex> lock(mutex_);
        Entry& entry = entries_[tenant];
        if (entry.generation == generation) {
            entry.snapshot = loaded;
        } else {
            ++discarded_loads_;
        }
    }
    return loaded;
}

std::shared_ptr<const CatalogSnapshot> CatalogCache::peek(TenantId tenant) const {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    auto found = entries_.find(tenant);
    return found == entries_.end() ? nullptr : found->second.snapshot;
}

void CatalogCache::invalidate(TenantId tenant) {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    Entry& entry = entries_[tenant];
    entry.snapshot.reset();
    ++entry.generation;
    ++invalidations_;
}

void CatalogCache::clear() {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    for (auto& [tenant, entry] : entries_) {
        entry.snapshot.reset();
        ++entry.generation;
        ++invalidations_;
    }
}

std::size_t CatalogCache::size() const {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    std::size_t cached = 0;
    for (const auto& [tenant, entry] : entries_) {
        cached += entry.snapshot ? 1 : 0;
    }
    return cached;
}

CatalogCache::Stats CatalogCache::stats() const {
    return Stats{hits_.load(), misses_.load(), invalidations_.load(), discarded_loads_.load()};
}

}  // namespace booking

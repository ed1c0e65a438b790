/// @file catalog_cache.hpp
/// @brief An in-process, tenant-keyed cache of catalog snapshots.
///
/// Keyed by TenantId, never by slug: a slug is what callers type, the id is
/// what the rows carry, and a cache keyed by one but filled under the other
/// is how tenant A ends up reading tenant B's catalog. Ids are also never
/// reused, so a tenant that is deleted and recreated under the same slug
/// (testdb does exactly that between test cases) can never hit a stale entry.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <unordered_map>

#include "booking/catalog.hpp"
#include "booking/tenants.hpp"

namespace booking {

/// Thread-safe map from tenant to its catalog snapshot, invalidated per
/// tenant. Snapshots are immutable and shared, so a reader keeps a consistent
/// view even while a writer invalidates the entry.
class CatalogCache {
public:
    /// Reads a tenant's catalog from the database (on a cache miss).
    using Loader = std::function<CatalogSnapshot()>;

    /// Counters since construction.
    struct Stats {
        std::uint64_t hits = 0;             ///< getOrLoad() served from memory
        std::uint64_t misses = 0;           ///< getOrLoad() had to call the loader
        std::uint64_t invalidations = 0;    ///< invalidate() calls (clear() counts one per entry)
        std::uint64_t discarded_loads = 0;  ///< loads not kept: invalidated while loading
    };

    /// The tenant's snapshot: from memory, or from `load` on a miss. A load
    /// that an invalidate() of the same tenant overtook is returned to this
    /// caller but not kept, so a write is never hidden by an older read.
    std::shared_ptr<const CatalogSnapshot> getOrLoad(TenantId tenant, const Loader& load);
    /// The cached snapshot or nullptr; no loading, no counting.
    std::shared_ptr<const CatalogSnapshot> peek(TenantId tenant) const;
    /// Drops the tenant's snapshot (after a write to its catalog). Other
    /// tenants' entries are untouched.
    void invalidate(TenantId tenant);
    /// Drops every snapshot.
    void clear();
    /// Number of tenants with a snapshot in memory.
    std::size_t size() const;
    /// The counters.
    Stats stats() const;

private:
    // `generation` outlives the snapshot: it is how a slow load learns that
    // the tenant was invalidated while it read the database.
    struct Entry {
        std::shared_ptr<const CatalogSnapshot> snapshot;
        std::uint64_t generation = 0;
    };

    mutable std::shared_mutex mutex_;
    std::unordered_map<TenantId, Entry> entries_;
    std::atomic<std::uint64_t> hits_{0};
    std::atomic<std::uint64_t> misses_{0};
    std::atomic<std::uint64_t> invalidations_{0};
    std::atomic<std::uint64_t> discarded_loads_{0};
};

}  // namespace booking

// Shared by the booking suite's six files: the framework-free helpers of
// booking_support.hpp plus the Catch2 check of the race tests.
#pragma once

#include "testdb/catch.hpp"  // Catch2 v2 or v3, whichever adapter the suite links

#include "booking_support.hpp"

namespace booking_test {

/// After a race: every lease is back and the pool never exceeded its limit.
inline void checkPoolSettled() {
    auto& pool = testdb::getTestDb().pool();
    CHECK(pool.holders().empty());
    const testdb::PoolStats stats = pool.stats();
    CHECK(stats.in_use == 0);
    CHECK(stats.peak_in_use <= pool.config().connection_limit);  // 3 unless configured
}

}  // namespace booking_test

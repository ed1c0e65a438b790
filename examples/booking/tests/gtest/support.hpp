// Shared by the GoogleTest port of the booking suite: the framework-free
// helpers of ../booking_support.hpp, the check after a race, and the
// fixtures. A fixture whose name ends in "Commits" opts its tests out of the
// rollback tier (the race tests commit from many threads), as the [commits]
// tag does in the Catch2 suite.
#pragma once

#include <gtest/gtest.h>

#include "../booking_support.hpp"
#include "testdb/gtest.hpp"

namespace booking_test {

/// After a race: every lease is back and the pool never exceeded its limit.
inline void expectPoolSettled() {
    auto& pool = testdb::getTestDb().pool();
    EXPECT_TRUE(pool.holders().empty());
    const testdb::PoolStats stats = pool.stats();
    EXPECT_EQ(stats.in_use, 0);
    EXPECT_LE(stats.peak_in_use, pool.config().connection_limit);  // 3 unless configured
}

/// A GoogleTest fixture from one of booking_support.hpp's arrange structs:
/// its members are made when the test starts, inside the test's isolation.
template <typename Arrange>
class Fixture : public ::testing::Test, protected Arrange {};

}  // namespace booking_test

using BookingRepositoryWithPackage = booking_test::Fixture<booking_test::TenantWithPackage>;
using BookingRepositoryTwoTenants = booking_test::Fixture<booking_test::TwoTenantsWithPackages>;
using BookingRaceWithPackageCommits = booking_test::Fixture<booking_test::TenantWithPackage>;
using BookingRaceTwoTenantsCommits = booking_test::Fixture<booking_test::TwoTenantsWithPackages>;
using WebhookRaceUnpaidBookingCommits = booking_test::Fixture<booking_test::UnpaidBookingRace>;
using WebhookRaceTwoTenantsCommits = booking_test::Fixture<booking_test::TwoUnpaidBookings>;
using WebhookRaceWithPackageCommits = booking_test::Fixture<booking_test::TenantWithPackage>;

// The users/posts tier suite under GoogleTest. GoogleTest has no tags: the
// races sit in a test suite named *Commits, which opts them out of the
// rollback tier (testdb::gtest::kCommitsSuffix); with no tenant table they
// get the touched tier's restore.
#include <gtest/gtest.h>

#include "testdb/gtest.hpp"
#include "testdb/lifecycle.hpp"
#include "users_posts.hpp"

TEST(UsersPosts, TierIsTheOneAskedForElseRollback) {
    EXPECT_EQ(testdb::isolationName(testdb::suiteIsolation()),
              testdb::isolationName(tiers::expectedTier()));
}

TEST(UsersPosts, WritesUsersPostsAndATeamCycle) {
    EXPECT_EQ(tiers::state(), tiers::kSeed);
    EXPECT_EQ(tiers::writeUserPostAndTeam("first@example.com"), tiers::kAfterWrite);
}

TEST(UsersPosts, NextTestSeesNoneOfThem) {
    EXPECT_EQ(tiers::state(), tiers::kSeed);
    EXPECT_EQ(tiers::writeUserPostAndTeam("second@example.com"), tiers::kAfterWrite);
}

TEST(UsersPosts, DeletedSeedRowsComeBack) {
    EXPECT_EQ(tiers::state(), tiers::kSeed);
    EXPECT_EQ(tiers::deleteSeedRows(), tiers::kAfterDelete);
}

TEST(UsersPostsRacesCommits, CommitsFromThreeConnections) {
    EXPECT_EQ(tiers::state(), tiers::kSeed);
    EXPECT_EQ(tiers::raceFromThreeConnections(), tiers::kAfterRace);
}

TEST(UsersPostsRacesCommits, NextRaceStartsFromTheSeedAgain) {
    EXPECT_EQ(tiers::state(), tiers::kSeed);
    EXPECT_EQ(tiers::raceFromThreeConnections(), tiers::kAfterRace);
}

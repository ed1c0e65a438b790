// A schema without a tenant table (tests/fixtures/users_posts.sql) in every
// tier: with no configuration testdb picks the rollback tier; rollback,
// database and touched all keep one test case's rows, commits and changes
// to seed rows away from the next. Each test case first checks it starts
// from the seed and then writes, so any of them that runs after another
// would fail if a row crossed.
#include "testdb/catch.hpp"
#include "testdb/lifecycle.hpp"
#include "users_posts.hpp"

TEST_CASE("users/posts: the tier is the one asked for, else rollback", "[tiers]") {
    CHECK(testdb::isolationName(testdb::suiteIsolation()) ==
          testdb::isolationName(tiers::expectedTier()));
}

TEST_CASE("users/posts: a test case writes users, posts and a team cycle", "[tiers]") {
    CHECK(tiers::state() == tiers::kSeed);
    CHECK(tiers::writeUserPostAndTeam("first@example.com") == tiers::kAfterWrite);
}

TEST_CASE("users/posts: the next test case sees none of them", "[tiers]") {
    CHECK(tiers::state() == tiers::kSeed);
    CHECK(tiers::writeUserPostAndTeam("second@example.com") == tiers::kAfterWrite);
}

TEST_CASE("users/posts: deleting and changing seed rows is undone", "[tiers]") {
    CHECK(tiers::state() == tiers::kSeed);
    CHECK(tiers::deleteSeedRows() == tiers::kAfterDelete);
}

// Several connections committing at once. In the rollback tier [commits]
// test cases commit for real and, with no tenants, get the touched restore.
TEST_CASE("users/posts races: commits from three connections", "[tiers][commits]") {
    CHECK(tiers::state() == tiers::kSeed);
    CHECK(tiers::raceFromThreeConnections() == tiers::kAfterRace);
}

TEST_CASE("users/posts races: the next race starts from the seed again", "[tiers][commits]") {
    CHECK(tiers::state() == tiers::kSeed);
    CHECK(tiers::raceFromThreeConnections() == tiers::kAfterRace);
}

// Declared last: the test cases above took identities from the users
// sequence. With TESTDB_RESET_SEQUENCES=1 the touched tier put it back to
// its run-start state (never called: the seed row has an explicit id).
TEST_CASE("users/posts: the touched tier resets sequences when asked", "[tiers]") {
    CHECK(tiers::state() == tiers::kSeed);
    const long long id =
        tiers::count("INSERT INTO users (email) VALUES ('seq@example.com') RETURNING id");
    const char* reset = std::getenv("TESTDB_RESET_SEQUENCES");
    if (testdb::suiteIsolation() == testdb::Isolation::Touched && reset != nullptr &&
        std::string(reset) == "1") {
        CHECK(id == 1);
    } else {
        CHECK(id > 1);  // sequences are left alone
    }
}

// A schema without a tenant table (tests/fixtures/users_posts.sql) in every
// tier: with no configuration testdb picks the rollback tier; rollback,
// database and touched all keep one test case's rows, commits and changes
// to seed rows away from the next. Each test case first checks it starts
// from the seed and then writes users, posts and a team in a foreign-key
// cycle with them, so any of them that runs after another would fail if a
// row crossed.
#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "testdb/catch.hpp"
#include "testdb/lifecycle.hpp"
#include "testdb/testdb.hpp"

namespace {

long long count(const std::string& sql) {
    return testdb::withTransaction(
        [&](testdb::Transaction& tx) { return tx.exec(sql)[0][0].as<long long>(); });
}

void exec(const std::string& sql) {
    testdb::withTransaction([&](testdb::Transaction& tx) { tx.exec(sql); });
}

// The run-start state: the seed user and the seed post, no team.
void check_starts_from_seed() {
    CHECK(count("SELECT count(*) FROM users") == 1);
    CHECK(count("SELECT count(*) FROM users WHERE id = 1000000 AND email = 'seed@example.com'"
                " AND team_id IS NULL") == 1);
    CHECK(count("SELECT count(*) FROM posts WHERE id = 1000000 AND title = 'Welcome'") == 1);
    CHECK(count("SELECT count(*) FROM posts") == 1);
    CHECK(count("SELECT count(*) FROM teams") == 0);
}

// A user with a post, a team the user owns and every user (the seed one
// too) joins: users -> teams -> users, a cycle; the seed post changed.
void write_user_post_and_team(const std::string& email) {
    exec("WITH u AS (INSERT INTO users (email) VALUES ('" + email + "') RETURNING id)"
         " INSERT INTO posts (user_id, title) SELECT id, 'hello' FROM u");
    exec("INSERT INTO teams (name, owner_id) SELECT 'team', id FROM users WHERE email = '" +
         email + "'");
    exec("UPDATE users SET team_id = (SELECT max(id) FROM teams)");
    exec("UPDATE posts SET title = 'changed' WHERE id = 1000000");
    CHECK(count("SELECT count(*) FROM users WHERE team_id IS NOT NULL") == 2);
    CHECK(count("SELECT count(*) FROM posts") == 2);
}

}  // namespace

TEST_CASE("users/posts: the tier is the one asked for, else rollback", "[tiers]") {
    const char* asked = std::getenv("TESTDB_ISOLATION");
    const testdb::Isolation expected =
        asked != nullptr && *asked != '\0' ? testdb::parseIsolation(asked)
                                                 : testdb::Isolation::Rollback;
    CHECK(testdb::isolationName(testdb::suiteIsolation()) == testdb::isolationName(expected));
}

TEST_CASE("users/posts: a test case writes users, posts and a team cycle", "[tiers]") {
    check_starts_from_seed();
    write_user_post_and_team("first@example.com");
}

TEST_CASE("users/posts: the next test case sees none of them", "[tiers]") {
    check_starts_from_seed();
    write_user_post_and_team("second@example.com");
}

TEST_CASE("users/posts: deleting and changing seed rows is undone", "[tiers]") {
    check_starts_from_seed();
    exec("UPDATE users SET email = 'renamed@example.com' WHERE id = 1000000");
    exec("DELETE FROM users");  // the seed post goes with it (ON DELETE CASCADE)
    CHECK(count("SELECT count(*) FROM posts") == 0);
}

// Several connections committing at once: only tiers that let a test commit
// run these (the rollback tier hands [commits] test cases to the touched
// tier's restore, since there are no tenants).
namespace {

void race_from_three_connections() {
    check_starts_from_seed();
    std::atomic<int> won{0};
    std::atomic<int> lost{0};
    std::atomic<int> other_errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&, t] {
            try {
                for (int i = 0; i < 10; ++i) {
                    exec("INSERT INTO users (email) VALUES ('race-" + std::to_string(t) + "-" +
                         std::to_string(i) + "@example.com')");
                }
                exec("INSERT INTO posts (user_id, title) VALUES (1000000, 'by " +
                     std::to_string(t) + "')");
                try {
                    exec("INSERT INTO users (email) VALUES ('contended@example.com')");
                    ++won;
                } catch (const pqxx::unique_violation&) {
                    ++lost;  // saw the winner's commit
                }
            } catch (...) {
                ++other_errors;
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    CHECK(other_errors == 0);
    CHECK(won == 1);
    CHECK(lost == 2);
    CHECK(count("SELECT count(*) FROM users") == 1 + 30 + 1);
    CHECK(count("SELECT count(*) FROM posts") == 1 + 3);
}

}  // namespace

TEST_CASE("users/posts races: commits from three connections", "[tiers][commits]") {
    race_from_three_connections();
}

TEST_CASE("users/posts races: the next race starts from the seed again", "[tiers][commits]") {
    race_from_three_connections();
}

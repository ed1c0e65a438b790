// The users/posts workload of the tier suites, free of any test framework:
// the Catch2 and GoogleTest suites compare what these return.
#pragma once

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "testdb/isolation.hpp"
#include "testdb/testdb.hpp"

namespace tiers {

inline long long count(const std::string& sql) {
    return testdb::withTransaction(
        [&](testdb::Transaction& tx) { return tx.exec(sql)[0][0].as<long long>(); });
}

inline void exec(const std::string& sql) {
    testdb::withTransaction([&](testdb::Transaction& tx) { tx.exec(sql); });
}

/// The row counts that matter, as one comparable line.
inline std::string state() {
    return "users " + std::to_string(count("SELECT count(*) FROM users")) + ", seed user " +
           std::to_string(count("SELECT count(*) FROM users WHERE id = 1000000 AND email = "
                                "'seed@example.com' AND team_id IS NULL")) +
           ", posts " + std::to_string(count("SELECT count(*) FROM posts")) + ", seed post " +
           std::to_string(count("SELECT count(*) FROM posts WHERE id = 1000000 AND title = "
                                "'Welcome'")) +
           ", teams " + std::to_string(count("SELECT count(*) FROM teams"));
}

/// state() at run start: the schema's seed user and post, no team.
inline const char* const kSeed = "users 1, seed user 1, posts 1, seed post 1, teams 0";

/// A user with a post, a team the user owns and every user (the seed one
/// too) joins: users -> teams -> users, a cycle; the seed post changed.
/// Returns state() afterwards.
inline std::string writeUserPostAndTeam(const std::string& email) {
    exec("WITH u AS (INSERT INTO users (email) VALUES ('" + email + "') RETURNING id)"
         " INSERT INTO posts (user_id, title) SELECT id, 'hello' FROM u");
    exec("INSERT INTO teams (name, owner_id) SELECT 'team', id FROM users WHERE email = '" +
         email + "'");
    exec("UPDATE users SET team_id = (SELECT max(id) FROM teams)");
    exec("UPDATE posts SET title = 'changed' WHERE id = 1000000");
    return state();
}
inline const char* const kAfterWrite = "users 2, seed user 0, posts 2, seed post 0, teams 1";

/// Deletes every user (the seed post goes with it, ON DELETE CASCADE).
inline std::string deleteSeedRows() {
    exec("UPDATE users SET email = 'renamed@example.com' WHERE id = 1000000");
    exec("DELETE FROM users");
    return state();
}
inline const char* const kAfterDelete = "users 0, seed user 0, posts 0, seed post 0, teams 0";

/// Three connections commit 10 users and a post each, then race for one
/// email: "won 1, lost 2, errors 0, users 32, posts 4" when each saw the
/// others' commits.
inline std::string raceFromThreeConnections() {
    std::atomic<int> won{0};
    std::atomic<int> lost{0};
    std::atomic<int> errors{0};
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
                ++errors;
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    return "won " + std::to_string(won) + ", lost " + std::to_string(lost) + ", errors " +
           std::to_string(errors) + ", users " + std::to_string(count("SELECT count(*) FROM users")) +
           ", posts " + std::to_string(count("SELECT count(*) FROM posts"));
}
inline const char* const kAfterRace = "won 1, lost 2, errors 0, users 32, posts 4";

/// The tier TESTDB_ISOLATION asks for; rollback (the schema's choice) when unset.
inline testdb::Isolation expectedTier() {
    const char* asked = std::getenv("TESTDB_ISOLATION");
    return asked != nullptr && *asked != '\0' ? testdb::parseIsolation(asked)
                                              : testdb::Isolation::Rollback;
}

}  // namespace tiers

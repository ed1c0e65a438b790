// `testdb run --jobs N`: the shards' run tokens, the merged exit code and
// the failure text that names a failing shard and its tests (run_jobs.hpp).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "run_jobs.hpp"

using testdb::cli::ShardResult;

namespace {

ShardResult shard(int index, int exit_code, const std::string& log = "") {
    ShardResult s;
    s.index = index;
    s.exit_code = exit_code;
    s.log = log;
    return s;
}

}  // namespace

TEST_CASE("run --jobs: a shard's token extends the run's and stays a valid token", "[cli][jobs]") {
    CHECK(testdb::cli::shard_token("a1b2c3", 2) == "a1b2c3s2");
    const std::string longest(16, 'x');
    CHECK(testdb::cli::shard_token(longest, 12) == std::string(13, 'x') + "s12");
    CHECK(testdb::cli::shard_token(longest, 12).size() == 16);
}

TEST_CASE("run --jobs: the exit code is the first failing shard's", "[cli][jobs]") {
    CHECK(testdb::cli::merged_exit_code({shard(1, 0), shard(2, 0)}) == 0);
    CHECK(testdb::cli::merged_exit_code({shard(1, 0), shard(2, 3), shard(3, 1)}) == 3);
}

TEST_CASE("run --jobs: a failing shard is named with its files and its output", "[cli][jobs]") {
    ShardResult failed = shard(2, 1, "one test failed\nbeta: fails\n");
    failed.failed_files = {"beta_test (1 of 3 failed)"};
    const std::string text = testdb::cli::failure_text({shard(1, 0, "all fine\n"), failed}, 2);
    CHECK_THAT(text, Catch::Matchers::Contains("shard 2/2 failed (exit 1): beta_test (1 of 3 failed)"));
    CHECK_THAT(text, Catch::Matchers::Contains("[shard 2/2] beta: fails\n"));
    CHECK_THAT(text, !Catch::Matchers::Contains("all fine"));
}

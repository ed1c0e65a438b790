// `testdb run --shard`: parsing i/n, reading Catch2's tag listing, weighing
// files by a previous report and splitting them (harness/cli/shard.hpp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../scoped_env.hpp"
#include "shard.hpp"
#include "shard_frameworks.hpp"
#include "testdb/errors.hpp"
#include "testdb/report.hpp"

using Catch::Matchers::Contains;
using testdb::cli::SuiteFile;

namespace {

std::vector<SuiteFile> files_weighing(const std::vector<std::pair<std::string, double>>& specs) {
    std::vector<SuiteFile> files;
    for (const auto& [name, weight] : specs) {
        files.push_back({name, static_cast<int>(weight), weight, {}});
    }
    return files;
}

std::vector<double> loads(const std::vector<SuiteFile>& files, const std::vector<int>& owner,
                          int count) {
    std::vector<double> load(static_cast<std::size_t>(count), 0.0);
    for (std::size_t k = 0; k < files.size(); ++k) {
        load.at(static_cast<std::size_t>(owner.at(k))) += files[k].weight;
    }
    return load;
}

// name -> shard, so two splits can be compared whatever the order of input.
std::map<std::string, int> by_name(const std::vector<SuiteFile>& files,
                                   const std::vector<int>& owner) {
    std::map<std::string, int> out;
    for (std::size_t k = 0; k < files.size(); ++k) {
        out[files[k].name] = owner[k];
    }
    return out;
}

}  // namespace

TEST_CASE("shard: i/n parses; anything else is a ConfigError naming the value", "[cli][shard]") {
    const testdb::cli::ShardSpec spec = testdb::cli::parse_shard("2/3");
    CHECK(spec.index == 2);
    CHECK(spec.count == 3);
    CHECK(spec.text() == "2/3");
    CHECK(testdb::cli::parse_shard("1/1").count == 1);
    for (const std::string bad : {"0/3", "4/3", "3", "a/3", "1/b", "1/0", "", "-1/3", "1/3/4",
                                  " 1/3"}) {
        INFO(bad);
        CHECK_THROWS_MATCHES(testdb::cli::parse_shard(bad), testdb::ConfigError,
                             Catch::Matchers::Predicate<testdb::ConfigError>([&](const auto& e) {
                                 const std::string m = e.what();
                                 return m.find("'" + bad + "'") != std::string::npos &&
                                        m.find("Fix:") != std::string::npos;
                             }));
    }
}

TEST_CASE("shard: Catch2's tag listing gives the files, sorted, with their test counts",
          "[cli][shard]") {
    const std::string output =
        "All available tags:\n"
        "   3  [#orders_test]\n"
        "   2  [fast]\n"
        "   1  [#billing_test]\n"
        "   4  [#a_file_whose_name_is_long_enough_that_catch_wraps_the_tag_onto_the_\n"
        "      next_line]\n"
        "4 tags\n";
    const testdb::cli::SuiteListing listing =
        testdb::cli::parse_tag_listing(output, "./suite");
    CHECK_FALSE(listing.filtered);
    REQUIRE(listing.files.size() == 3);
    CHECK(listing.files[0].name ==
          "a_file_whose_name_is_long_enough_that_catch_wraps_the_tag_onto_the_next_line");
    CHECK(listing.files[0].tests == 4);
    CHECK(listing.files[1].name == "billing_test");
    CHECK(listing.files[1].tests == 1);
    CHECK(listing.files[2].name == "orders_test");
    CHECK(listing.files[2].weight == 3.0);

    const auto filtered = testdb::cli::parse_tag_listing(
        "Tags for matching test cases:\n   2  [#orders_test]\n1 tag\n", "./suite");
    CHECK(filtered.filtered);
    CHECK(filtered.files.size() == 1);

    CHECK(testdb::cli::parse_tag_listing("All available tags:\n0 tags\n", "./s").files.empty());
    CHECK_THROWS_WITH(testdb::cli::parse_tag_listing("usage: suite [options]\n", "./not_catch"),
                      Contains("'./not_catch'") && Contains("Fix:"));
    // A listing cut off before its "N tags" line is no listing.
    CHECK_THROWS_AS(testdb::cli::parse_tag_listing("All available tags:\n   3  [#a]\n", "./s"),
                    testdb::ConfigError);
}

TEST_CASE("shard: every file lands in exactly one shard, heaviest first to the lightest",
          "[cli][shard]") {
    // One heavy file and ten light ones: by weight, not by file count.
    std::vector<std::pair<std::string, double>> specs = {{"heavy", 10}};
    for (int i = 0; i < 10; ++i) {
        specs.emplace_back("light" + std::to_string(i), 1);
    }
    const std::vector<SuiteFile> files = files_weighing(specs);
    const std::vector<int> owner = testdb::cli::assign_files(files, 2);
    REQUIRE(owner.size() == files.size());
    CHECK(loads(files, owner, 2) == std::vector<double>{10, 10});
    CHECK(by_name(files, owner)["heavy"] == 0);  // the first file goes to shard 1

    SECTION("the split of n shards covers every file once, for any n") {
        for (int count = 1; count <= 13; ++count) {
            const std::vector<int> o = testdb::cli::assign_files(files, count);
            REQUIRE(o.size() == files.size());
            CHECK(std::all_of(o.begin(), o.end(), [&](int s) { return s >= 0 && s < count; }));
            double total = 0;
            for (const double l : loads(files, o, count)) total += l;
            CHECK(total == 20);
        }
    }
    SECTION("greedy: no shard exceeds the lightest by more than its heaviest file") {
        const auto mixed = files_weighing({{"a", 7}, {"b", 5}, {"c", 4}, {"d", 3}, {"e", 3},
                                           {"f", 2}, {"g", 1}});
        const std::vector<double> l = loads(mixed, testdb::cli::assign_files(mixed, 3), 3);
        CHECK(*std::max_element(l.begin(), l.end()) - *std::min_element(l.begin(), l.end()) <=
              7);
        CHECK(l == std::vector<double>{9, 8, 8});  // a+f, b+e, c+d+g
    }
}

TEST_CASE("shard: the split is stable: same files in any order, same shards",
          "[cli][shard]") {
    auto files = files_weighing({{"a", 2}, {"b", 2}, {"c", 2}, {"d", 2}, {"e", 1}});
    const auto first = by_name(files, testdb::cli::assign_files(files, 2));
    // Equal weights go by name to the lowest-loaded, lowest-numbered shard.
    CHECK(first == std::map<std::string, int>{{"a", 0}, {"b", 1}, {"c", 0}, {"d", 1}, {"e", 0}});
    std::reverse(files.begin(), files.end());
    CHECK(by_name(files, testdb::cli::assign_files(files, 2)) == first);
    std::rotate(files.begin(), files.begin() + 2, files.end());
    CHECK(by_name(files, testdb::cli::assign_files(files, 2)) == first);
}

TEST_CASE("shard: edge cases: more shards than files, no files, one shard", "[cli][shard]") {
    const auto two = files_weighing({{"a", 1}, {"b", 1}});
    const std::vector<int> owner = testdb::cli::assign_files(two, 4);
    CHECK(std::set<int>(owner.begin(), owner.end()) == std::set<int>{0, 1});

    testdb::cli::ShardPlan plan;
    plan.spec = {3, 4};
    plan.files = two;
    plan.owner = owner;
    CHECK(plan.mine().empty());  // shard 3/4 has nothing: `testdb run` exits 0 at once
    CHECK(plan.files_of(0).size() + plan.files_of(1).size() == 2);
    CHECK(plan.total_tests() == 2);

    CHECK(testdb::cli::assign_files({}, 3).empty());
    const auto all = testdb::cli::assign_files(two, 1);
    CHECK(all == std::vector<int>{0, 0});
}

TEST_CASE("shard: a previous report's per-file times balance the split", "[cli][shard]") {
    testdb_unit::ScopedWorkDir dir;
    testdb::RunReport previous;
    // slow_test took 9 s for 3 test cases; fast_test 1 s for 3.
    previous.files = {{"tests/slow_test.cpp", "slow", 3, 0, 9.0},
                      {"tests/fast_test.cpp", "fast", 3, 0, 1.0}};
    previous.tests_total = 6;
    previous.write(dir.path() / "report.json");

    // Now fast_test has 3 test cases, new_test (not in the report) 4, slow_test 4.
    std::vector<SuiteFile> files = {
        {"fast_test", 3, 3, {}}, {"new_test", 4, 4, {}}, {"slow_test", 4, 4, {}}};
    const auto by_count = by_name(files, testdb::cli::assign_files(files, 2));
    CHECK(by_count == std::map<std::string, int>{{"fast_test", 0}, {"new_test", 0},
                                                 {"slow_test", 1}});
    const std::string note =
        testdb::cli::weigh_by_time(files, {(dir.path() / "report.json").string()});
    CHECK(files[0].weight == Approx(1.0));           // 3 x 1/3 s
    CHECK(files[1].weight == Approx(4 * 10.0 / 6));  // the average: 10 s / 6 test cases
    CHECK(files[2].weight == Approx(12.0));          // 4 x 3 s
    CHECK_THAT(note, Contains("2 of 3 files timed"));
    // By time slow_test needs a shard of its own.
    CHECK(by_name(files, testdb::cli::assign_files(files, 2)) ==
          std::map<std::string, int>{{"fast_test", 1}, {"new_test", 1}, {"slow_test", 0}});

    SECTION("a report that cannot be used is a ConfigError naming it") {
        dir.write("broken.json", "{ not json");
        CHECK_THROWS_WITH(testdb::cli::weigh_by_time(files, {(dir.path() / "broken.json").string()}),
                          Contains("broken.json") && Contains("Fix:"));
        CHECK_THROWS_AS(testdb::cli::weigh_by_time(files, {(dir.path() / "missing.json").string()}),
                        testdb::ConfigError);
    }
}

TEST_CASE("shard: the framework is told from the suite's --help", "[cli][shard]") {
    using testdb::cli::SuiteFramework;
    using testdb::cli::detect_framework;
    CHECK(detect_framework("\nCatch v2.13.10\nusage:\n", "./s") == SuiteFramework::Catch2v2);
    CHECK(detect_framework("\nCatch2 v3.7.1\nusage:\n", "./s") == SuiteFramework::Catch2v3);
    CHECK(detect_framework("This program contains tests written using Google Test. You can "
                           "use the\n  --gtest_list_tests\n",
                           "./s") == SuiteFramework::GoogleTest);
    CHECK_THROWS_WITH(detect_framework("usage: ./plain [options]\n", "./plain"),
                      Contains("ConfigError") && Contains("'./plain'") && Contains("Fix:"));
}

TEST_CASE("shard: GoogleTest's JSON test list gives the files, a shard's filter selects its tests",
          "[cli][shard]") {
    // Suite A lies in a_test.cpp; suite B spreads over a_test.cpp and b_test.cpp.
    const std::string list = R"({"tests": 4, "testsuites": [
        {"name": "A", "tests": 2, "testsuite": [
            {"name": "One", "file": "/src/tests/a_test.cpp", "line": 3},
            {"name": "Two", "file": "/src/tests/a_test.cpp", "line": 9}]},
        {"name": "B", "tests": 2, "testsuite": [
            {"name": "Three", "file": "/src/tests/a_test.cpp", "line": 20},
            {"name": "Four", "file": "/src/tests/b_test.cpp", "line": 4}]}]})";
    const testdb::cli::SuiteListing listing = testdb::cli::parse_gtest_listing(list, "./g");
    REQUIRE(listing.files.size() == 2);
    CHECK(listing.files[0].name == "a_test");
    CHECK(listing.files[0].tests == 3);
    CHECK(listing.files[0].test_names == std::vector<std::string>{"A.One", "A.Two", "B.Three"});
    CHECK(listing.files[1].name == "b_test");
    CHECK(listing.files[1].tests == 1);

    testdb::cli::ShardPlan plan;
    plan.framework = testdb::cli::SuiteFramework::GoogleTest;
    plan.listing = listing;
    plan.files = listing.files;
    plan.owner = {0, 1};
    plan.spec = {1, 2};
    // All of A is here: "A.*"; B only in part: its test by name.
    CHECK(testdb::cli::gtest_shard_args(plan) ==
          std::vector<std::string>{"--gtest_filter=A.*:B.Three"});
    plan.spec = {2, 2};
    CHECK(testdb::cli::gtest_shard_args(plan) == std::vector<std::string>{"--gtest_filter=B.Four"});
    // Under a filter of the user's own, "A.*" could select tests it excludes.
    plan.listing.filtered = true;
    plan.spec = {1, 2};
    CHECK(testdb::cli::gtest_shard_args(plan) ==
          std::vector<std::string>{"--gtest_filter=A.One:A.Two:B.Three"});

    CHECK_THROWS_WITH(testdb::cli::parse_gtest_listing("not json", "./g"),
                      Contains("'./g'") && Contains("Fix:"));
    CHECK_THROWS_AS(testdb::cli::parse_gtest_listing(R"({"tests": 0})", "./g"),
                    testdb::ConfigError);
}

TEST_CASE("shard: the plan --jobs writes gives every shard the same split", "[cli][shard]") {
    testdb_unit::ScopedWorkDir dir;
    testdb::cli::ShardPlan plan;
    plan.framework = testdb::cli::SuiteFramework::GoogleTest;
    plan.listing = testdb::cli::parse_gtest_listing(
        R"({"testsuites": [{"name": "A", "testsuite": [
            {"name": "One", "file": "a_test.cpp"}, {"name": "Two", "file": "b_test.cpp"}]}]})",
        "./g");
    plan.files = plan.listing.files;
    plan.owner = {1, 0};
    plan.spec = {1, 2};
    plan.balance_note = "test count";
    const std::string path = (dir.path() / "plan.json").string();
    testdb::cli::save_plan(plan, path);
    const testdb::cli::ShardPlan second = testdb::cli::load_plan(path, {"./g"}, {2, 2});
    CHECK(second.framework == testdb::cli::SuiteFramework::GoogleTest);
    CHECK(second.owner == plan.owner);
    CHECK(second.files_of(1).front().name == "a_test");
    CHECK(second.suite_args == std::vector<std::string>{"--gtest_filter=A.One"});
    CHECK_THROWS_AS(testdb::cli::load_plan(path, {"./g"}, {1, 3}), testdb::ConfigError);
}

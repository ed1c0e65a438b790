// RunReport's JSON: what the listener writes is what `testdb run` reads.
#include <catch2/catch.hpp>

#include <fstream>

#include "scoped_env.hpp"
#include "testdb/errors.hpp"
#include "testdb/report.hpp"

using testdb::RunReport;

namespace {

RunReport sample() {
    RunReport r;
    r.run_token = "ab12cd";
    r.application_name = "testdb-ab12cd";
    r.connection_limit = 3;
    r.tests_total = 4;
    r.tests_failed = 1;
    r.seconds = 1.25;
    r.pool.acquires = 40;
    r.pool.waits = 7;
    r.pool.timeouts = 1;
    r.pool.peak_in_use = 3;
    r.files.push_back({"a_test.cpp", "a", 3, 1, 0.75});
    r.slowest.push_back({"slow one", "a_test.cpp", false, 0.5});
    r.leftovers.push_back({"public.items", 2});
    r.leaks.push_back("test 'x' kept a lease");
    r.stale_swept.push_back("a-a-0f0f0f");
    return r;
}

}  // namespace

TEST_CASE("report: JSON round trip keeps every field", "[report]") {
    const RunReport back = RunReport::fromJson(sample().toJson());
    CHECK(back.run_token == "ab12cd");
    CHECK(back.tests_total == 4);
    CHECK(back.tests_failed == 1);
    CHECK(back.pool.acquires == 40);
    CHECK(back.pool.waits == 7);
    CHECK(back.pool.peak_in_use == 3);
    REQUIRE(back.files.size() == 1);
    CHECK(back.files[0].slug == "a");
    REQUIRE(back.slowest.size() == 1);
    CHECK_FALSE(back.slowest[0].passed);
    REQUIRE(back.leftovers.size() == 1);
    CHECK(back.leftovers[0].rows == 2);
    CHECK(back.leaks.size() == 1);
    CHECK(back.stale_swept == std::vector<std::string>{"a-a-0f0f0f"});
}

TEST_CASE("report: malformed JSON is an Error naming its origin", "[report]") {
    REQUIRE_THROWS_AS(RunReport::fromJson("{not json", "/tmp/r.json"), testdb::Error);
    REQUIRE_THROWS_WITH(RunReport::fromJson("{not json", "/tmp/r.json"),
                        Catch::Contains("/tmp/r.json"));
    REQUIRE_THROWS_WITH(RunReport::fromJson("{\"format\": 1}", "r.json"),
                        Catch::Contains("r.json"));
}

TEST_CASE("report: write then read through a file", "[report]") {
    testdb_unit::ScopedWorkDir dir;
    const auto path = dir.path() / "out" / "report.json";
    std::filesystem::create_directories(path.parent_path());
    sample().write(path);
    CHECK(RunReport::read(path).tests_total == 4);
    REQUIRE_THROWS_WITH(RunReport::read(dir.path() / "missing.json"),
                        Catch::Contains("missing.json"));
}

TEST_CASE("report: the summary line names tests, failures, peak, waits and leftovers",
          "[report]") {
    const std::string line = sample().summaryLine();
    CAPTURE(line);
    CHECK_THAT(line, Catch::Contains("3/4 tests passed"));
    CHECK_THAT(line, Catch::Contains("peak connections 3/3"));
    CHECK_THAT(line, Catch::Contains("1 timeouts"));
    CHECK_THAT(line, Catch::Contains("\"slow one\""));
    CHECK_THAT(line, Catch::Contains("7 waits"));
    CHECK_THAT(line, Catch::Contains("2 leftover rows"));
}

// The JSON report's schema version 2 (facts, failures, the lease timeline),
// the pool's bounded lease log, and the HTML page built from them.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "harness/pool/lease_log.hpp"
#include "harness/report_html/html_report.hpp"
#include "testdb/errors.hpp"
#include "testdb/report.hpp"

using testdb::LeaseEnd;
using testdb::RunReport;
using testdb::detail::LeaseLog;

namespace {

using Clock = std::chrono::steady_clock;

RunReport with_timeline() {
    RunReport r;
    r.run_token = "ab12cd";
    r.connection_limit = 2;
    r.facts = {"rollback", 0.5, 150004, "postgresql://app:***@db/app_test", "2/4"};
    r.failures.push_back({"breaks", "a_test.cpp", 12, "REQUIRE( x == 1 ) with expansion: 2 == 1"});
    LeaseLog log(true, 10, 2);
    const auto t = Clock::now();
    const auto lease = log.granted("holds </script> long", {"a_test.cpp", 7}, 1, t, t);
    log.returned(lease, LeaseEnd::Returned, true, t + std::chrono::milliseconds(5),
                 "holds </script> long", "a_test.cpp", 7, 1, t);
    log.timedOut("fourth caller", {"b_test.cpp", 9}, t, t + std::chrono::milliseconds(500));
    r.timeline = log.snapshot();
    return r;
}

}  // namespace

TEST_CASE("report: the JSON names its schema version", "[report]") {
    const auto j = nlohmann::json::parse(RunReport{}.toJson());
    CHECK(j.at("schema_version") == RunReport::kSchemaVersion);
    CHECK(RunReport::kSchemaVersion == 2);
    CHECK(j.at("timeline").is_null());
    CHECK(j.at("facts").at("shard") == "");
}

TEST_CASE("report: facts, failures and the timeline survive a round trip", "[report]") {
    const RunReport back = RunReport::fromJson(with_timeline().toJson());
    CHECK(back.schema_version == 2);
    CHECK(back.facts.tier == "rollback");
    CHECK(back.facts.server_version == 150004);
    CHECK(back.facts.shard == "2/4");
    REQUIRE(back.failures.size() == 1);
    CHECK(back.failures[0].line == 12);
    REQUIRE(back.timeline);
    REQUIRE(back.timeline->events.size() == 2);
    const testdb::LeaseEvent& held = back.timeline->events[0];
    CHECK(held.slot == 1);
    CHECK(held.in_transaction);
    CHECK(held.end == LeaseEnd::Returned);
    CHECK(back.timeline->files[held.file] == "a_test.cpp");
    CHECK(back.timeline->events[1].end == LeaseEnd::TimedOut);
    CHECK(back.timeline->events[1].granted_us == -1);
}

TEST_CASE("report: a report without schema_version reads as version 1", "[report]") {
    auto j = nlohmann::json::parse(RunReport{}.toJson());
    j.erase("schema_version");
    CHECK(RunReport::fromJson(j.dump()).schema_version == 1);
}

TEST_CASE("report: a timeline number out of range is an Error, not a cast", "[report]") {
    auto j = nlohmann::json::parse(with_timeline().toJson());
    j["timeline"]["events"][0][3] = 1e300;
    CHECK_THROWS_AS(RunReport::fromJson(j.dump()), testdb::Error);
    j = nlohmann::json::parse(with_timeline().toJson());
    j["timeline"]["events"][0][6] = 70000;  // a slot past int16
    CHECK_THROWS_AS(RunReport::fromJson(j.dump()), testdb::Error);
    j = nlohmann::json::parse(with_timeline().toJson());
    j["facts"]["server_version"] = -1.5;
    CHECK_THROWS_AS(RunReport::fromJson(j.dump()), testdb::Error);
}

TEST_CASE("lease log: past the cap leases are counted, bad endings still kept", "[report]") {
    LeaseLog log(true, 2, 3);
    const auto t = Clock::now();
    for (int i = 0; i < 5; ++i) {
        const auto index = log.granted("t" + std::to_string(i % 2), {"f.cpp", i}, 0, t, t);
        log.returned(index, LeaseEnd::Returned, false, t, "t", "f.cpp", i, 0, t);
    }
    const auto unrecorded = log.granted("breaks", {"f.cpp", 50}, 2, t, t);
    CHECK(unrecorded == LeaseLog::kNone);
    log.returned(unrecorded, LeaseEnd::Broken, false, t, "breaks", "f.cpp", 50, 2, t);
    log.timedOut("waits", {"g.cpp", 60}, t, t);
    const auto timeline = log.snapshot();
    CHECK(timeline.dropped == 4);
    REQUIRE(timeline.events.size() == 4);
    CHECK(timeline.labels.size() == 4);  // t0, t1, breaks, waits: interned once each
    CHECK(timeline.events[2].end == LeaseEnd::Broken);
    CHECK(timeline.events[2].slot == 2);
    CHECK(timeline.events[3].end == LeaseEnd::TimedOut);
}

TEST_CASE("lease log: a lease out at shutdown stays leaked when it comes back", "[report]") {
    LeaseLog log(true, 10, 1);
    const auto t = Clock::now();
    auto index = log.granted("keeps", {"k.cpp", 3}, 0, t, t);
    index = log.leaked(index, "keeps", "k.cpp", 3, 0, t);
    log.returned(index, LeaseEnd::Returned, false, t, "keeps", "k.cpp", 3, 0, t);
    CHECK(log.snapshot().events.at(0).end == LeaseEnd::Leaked);
    CHECK(LeaseLog(false, 10, 1).granted("x", {"x.cpp", 1}, 0, t, t) == LeaseLog::kNone);
}

TEST_CASE("html report: self-contained, CSP set, data cannot close its script", "[report]") {
    const std::string page = testdb::detail::htmlReport(with_timeline(), {});
    CHECK(page.find("Content-Security-Policy") != std::string::npos);
    CHECK(page.find("default-src 'none'") != std::string::npos);
    // The only URL in the page is SVG's namespace name, which is never fetched.
    std::string rest = page;
    for (const char* ns : {"http://www.w3.org/2000/svg"}) {
        for (auto at = rest.find(ns); at != std::string::npos; at = rest.find(ns)) {
            rest.erase(at, std::string(ns).size());
        }
    }
    CHECK(rest.find("http:") == std::string::npos);
    CHECK(rest.find("https:") == std::string::npos);
    CHECK(rest.find(" src=") == std::string::npos);
    CHECK(page.find("holds </script>") == std::string::npos);
    CHECK(page.find("holds <\\/script>") != std::string::npos);
    CHECK(page.find("fourth caller") != std::string::npos);
}

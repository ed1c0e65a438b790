// A run that fails before its first test still writes its TESTDB_REPORT:
// the error's kind, its message and the URL (masked), and zero counts, so a
// CI dashboard that reads the report sees why the run stopped.
#include <filesystem>

#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "testdb/report.hpp"
#include "testdb/testdb.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

struct StartFailure {
    std::string url;
    std::string kind;
    std::string message_part;
    std::string masked_url_part;  // what the report's masked URL must show
};

// `url` pointing at the parent's own server, database `name`.
std::string parent_server_url(const std::string& name) {
    const testdb::Config& config = testdb::getTestDb().config();
    const std::string& url = config.libpq_url;
    const std::string base = url.substr(0, url.find('?'));
    const std::string query = url.find('?') == std::string::npos ? "" : url.substr(url.find('?'));
    return base.substr(0, base.rfind('/') + 1) + name + query;
}

}  // namespace

TEST_CASE("a run that fails at start writes its report with the error", "[selftest]") {
    const StartFailure failure = GENERATE_COPY(
        StartFailure{"postgresql://app:hunter2pw@127.0.0.1:notaport/app_test", "ConfigError",
                     "is not a number", "app:****@127.0.0.1:notaport/app_test"},
        StartFailure{parent_server_url("postgres"), "SafetyGuardError", "does not contain",
                     "/postgres"},
        StartFailure{"postgresql://app:hunter2pw@127.0.0.1:1/app_test?connect_timeout=2",
                     "ServerUnavailable", "127.0.0.1:1", "app:****@127.0.0.1:1/app_test"});
    const std::string report_path =
        (std::filesystem::temp_directory_path() / "testdb-startfail-report.json").string();
    std::filesystem::remove(report_path);
    const child::Result run = child::run(TESTDB_GOOD_SUITE, "-r compact",
                                         {{"DATABASE_URL_TEST", failure.url},
                                          {"TESTDB_RUN_TOKEN", "startfail"},
                                          {"TESTDB_REPORT", report_path}});
    INFO(failure.kind << "\n" << run.output);
    CHECK(run.exit_code != 0);
    REQUIRE(std::filesystem::exists(report_path));
    const testdb::RunReport report = testdb::RunReport::read(report_path);
    REQUIRE(report.startup_error);
    CHECK(report.startup_error->kind == failure.kind);
    CHECK_THAT(report.startup_error->message,
               StartsWith(failure.kind + ": ") && Contains(failure.message_part));
    CHECK_THAT(report.startup_error->url, Contains(failure.masked_url_part));
    CHECK(report.run_token == "startfail");
    CHECK(report.tests_total == 0);
    CHECK(report.pool.opened == 0);
    CHECK(report.files.empty());
    // The password is in no field of the report.
    CHECK(report.toJson().find("hunter2pw") == std::string::npos);
    std::filesystem::remove(report_path);
}

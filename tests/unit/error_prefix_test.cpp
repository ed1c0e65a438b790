// Every testdb error message starts with its class name, so what the console
// printed can be found in the README's error table. Some are provoked through
// the code that throws them, every class is constructed once.
#include <functional>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "scoped_env.hpp"
#include "testdb/config.hpp"
#include "testdb/embedded_server.hpp"
#include "testdb/errors.hpp"
#include "testdb/isolation.hpp"
#include "testdb/safety.hpp"

using Catch::StartsWith;
using testdb_unit::CleanEnv;

namespace {

// Each class with its name, and the message it makes of a text.
using Make = std::function<std::string(const std::string&)>;
template <typename E>
std::pair<std::string, Make> named(std::string name) {
    return {std::move(name), [](const std::string& text) { return std::string(E(text).what()); }};
}

}  // namespace

TEST_CASE("every error class puts its name in front of the message", "[errors]") {
    using namespace testdb;
    const std::vector<std::pair<std::string, Make>> classes{
        named<Error>("Error"), named<ConfigError>("ConfigError"),
        named<PoolTimeout>("PoolTimeout"), named<PoolDeadlock>("PoolDeadlock"),
        named<PoolClosed>("PoolClosed"), named<ServerUnavailable>("ServerUnavailable"),
        named<ServerRefused>("ServerRefused"), named<ProcessBudgetTimeout>("ProcessBudgetTimeout"),
        named<EmbeddedServerError>("EmbeddedServerError"),
        named<SafetyGuardError>("SafetyGuardError"), named<IsolationError>("IsolationError"),
        named<LeakError>("LeakError")};
    for (const auto& [name, make] : classes) {
        for (const std::string text : {"something failed", "testdb: something failed"}) {
            const std::string message = make(text);
            INFO(message);
            CHECK_THAT(message, StartsWith(name + ": "));
            CHECK(message.find("testdb: ") == std::string::npos);
        }
        // Never twice.
        CHECK(make(name + ": already named") == name + ": already named");
    }
}

TEST_CASE("errors thrown by testdb's own code start with their class name", "[errors]") {
    CleanEnv clean;
    CHECK_THROWS_WITH(testdb::Config::parse("mysql://h/db_test"), StartsWith("ConfigError: "));
    CHECK_THROWS_WITH(testdb::parseIsolation("savepoint"), StartsWith("ConfigError: "));
    CHECK_THROWS_WITH(testdb::requireSafeToDelete("app", "clean up"),
                      StartsWith("SafetyGuardError: "));
    testdb::EmbeddedServerOptions options;
    options.database = "app";
    CHECK_THROWS_WITH(testdb::EmbeddedServer::start(options),
                      StartsWith("EmbeddedServerError: "));
}

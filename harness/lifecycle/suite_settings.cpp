// The suite's settings, registered during static initialisation by the code
// testdb_add_integration_suite() generates, read when the run starts.
#include <mutex>
#include <optional>

#include "harness/lifecycle/tier_choice.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"
#include "testdb/test_db.hpp"
#include "testdb/lifecycle.hpp"

namespace testdb {
namespace {

// A function-local static: registerSuite() runs during static
// initialisation of the suite's generated source, which may come first.
struct SuiteRegistry {
    std::mutex mutex;
    SuiteSettings settings;
    bool tier_claimed = false;
    std::optional<Isolation> run_tier;  // set once the run chose it from the schema
};
SuiteRegistry& suiteRegistry() {
    static SuiteRegistry registry;
    return registry;
}

}  // namespace

bool registerSuite(SuiteSettings settings) {
    SuiteRegistry& registry = suiteRegistry();
    std::lock_guard<std::mutex> lock(registry.mutex);
    registry.settings = std::move(settings);
    registry.tier_claimed = true;
    return true;
}

SuiteSettings suiteSettings() {
    SuiteSettings settings;
    {
        SuiteRegistry& registry = suiteRegistry();
        std::lock_guard<std::mutex> lock(registry.mutex);
        settings = registry.settings;
    }
    if (auto schema = setting("TESTDB_SCHEMA")) {
        settings.schema_file = *schema;
    }
    if (auto isolation = setting("TESTDB_ISOLATION")) {
        settings.isolation = *isolation;
    }
    return settings;
}

Isolation suiteIsolation() {
    {
        SuiteRegistry& registry = suiteRegistry();
        std::lock_guard<std::mutex> lock(registry.mutex);
        if (registry.run_tier) {
            return *registry.run_tier;
        }
    }
    const SuiteSettings settings = suiteSettings();
    return settings.isolation.empty()
               ? Isolation::Tenant
               : parseIsolation(settings.isolation, "TESTDB_ISOLATION (or the suite's ISOLATION)");
}

namespace detail {

void claimRunTier() {
    SuiteRegistry& registry = suiteRegistry();
    std::lock_guard<std::mutex> lock(registry.mutex);
    registry.tier_claimed = true;
}

void setRunTier(Isolation isolation) {
    SuiteRegistry& registry = suiteRegistry();
    std::lock_guard<std::mutex> lock(registry.mutex);
    registry.run_tier = isolation;
}

std::string isolationOrigin() {
    if (auto isolation = setting("TESTDB_ISOLATION")) {
        return "TESTDB_ISOLATION=" + *isolation;
    }
    const SuiteSettings settings = suiteSettings();
    if (settings.isolation.empty()) {
        return "";
    }
    return "ISOLATION " + settings.isolation + " of suite " + settings.name;
}

bool runTierClaimed() {
    SuiteRegistry& registry = suiteRegistry();
    std::lock_guard<std::mutex> lock(registry.mutex);
    return registry.tier_claimed;
}

void requireTierOf(const TestDb& db, Isolation isolation) {
    if (isolation == Isolation::Database && db.clonedDatabase().empty()) {
        throw IsolationError(
            "IsolationError: the database tier was chosen after getTestDb() had built its pool "
            "against " + db.config().dbname + " (getTestDb() ran before the run started, for "
            "example from a static initialiser).\nFix: do not call getTestDb() during static "
            "initialisation, or register the suite first (testdb_add_integration_suite does).");
    }
}

}  // namespace detail
}  // namespace testdb

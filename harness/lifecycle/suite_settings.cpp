// The suite's settings, registered during static initialisation by the code
// testdb_add_integration_suite() generates, read when the run starts.
#include <mutex>

#include "testdb/config.hpp"
#include "testdb/lifecycle.hpp"

namespace testdb {
namespace {

// A function-local static: registerSuite() runs during static
// initialisation of the suite's generated source, which may come first.
struct SuiteRegistry {
    std::mutex mutex;
    SuiteSettings settings;
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
    const SuiteSettings settings = suiteSettings();
    return settings.isolation.empty()
               ? Isolation::Tenant
               : parseIsolation(settings.isolation, "TESTDB_ISOLATION (or the suite's ISOLATION)");
}

}  // namespace testdb

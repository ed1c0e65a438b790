#include "harness/common/log.hpp"

#include <mutex>

#include <spdlog/sinks/ansicolor_sink.h>
// The sink's member definitions, for the mutex policy below (spdlog's
// compiled library instantiates the sink only for its own policies).
#include <spdlog/sinks/ansicolor_sink-inl.h>

#include "testdb/config.hpp"

namespace testdb::detail {
namespace {

// spdlog's console_mutex is a function-local static, destroyed at exit like
// any other: this one never is.
struct ImmortalConsoleMutex {
    using mutex_t = std::mutex;
    static mutex_t& mutex() {
        static mutex_t* const instance = new mutex_t;  // never deleted, on purpose
        return *instance;
    }
};

}  // namespace

spdlog::logger& log() {
    // Never destroyed, and kept out of spdlog's registry (a static that is):
    // a Lease a user keeps in static storage is released after every
    // function-local static of testdb is gone, and its release still logs.
    // The object stays reachable through this pointer, so leak checkers do
    // not count it.
    static spdlog::logger* const logger = [] {
        auto sink = std::make_shared<
            spdlog::sinks::ansicolor_stderr_sink<ImmortalConsoleMutex>>();
        auto* made = new spdlog::logger("testdb", std::move(sink));
        made->set_pattern("[testdb %L] %v");
        auto level = spdlog::level::warn;
        if (auto configured = setting("TESTDB_LOG_LEVEL")) {
            level = spdlog::level::from_str(*configured);
        }
        made->set_level(level);
        return made;
    }();
    return *logger;
}

}  // namespace testdb::detail

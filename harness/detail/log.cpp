#include "harness/detail/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include "testdb/config.hpp"

namespace testdb::detail {

spdlog::logger& log() {
    // Function-local static: created once, thread-safe, never destroyed
    // before its last user (spdlog keeps its own registry reference).
    static std::shared_ptr<spdlog::logger> logger = [] {
        auto made = spdlog::stderr_color_mt("testdb");
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

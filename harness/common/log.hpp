// Private: testdb's spdlog logger. Level from TESTDB_LOG_LEVEL
// (trace, debug, info, warn, error, off; default warn). Messages go to stderr
// so they never mix with a suite's own stdout.
#pragma once

#include <spdlog/spdlog.h>

namespace testdb::detail {

/// The "testdb" logger, created on first use.
spdlog::logger& log();

}  // namespace testdb::detail

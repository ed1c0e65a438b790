/// @file run_token.hpp
/// @brief The run token: a short name for this test process, used in tenant
/// slugs and in every connection's application_name.
#pragma once

#include <string>

namespace testdb {

/// The token of this process's run: TESTDB_RUN_TOKEN when set (1 to 16
/// lower-case letters or digits; `testdb run` and CI shards set it), else six
/// random hex digits chosen once. Two processes on one database therefore
/// never share tenant slugs. Throws ConfigError on a malformed TESTDB_RUN_TOKEN.
const std::string& runToken();

}  // namespace testdb

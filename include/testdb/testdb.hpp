/// @file testdb.hpp
/// @brief Umbrella header: everything a test program needs from testdb's core.
#pragma once

#include "testdb/config.hpp"
#include "testdb/embedded_server.hpp"
#include "testdb/errors.hpp"
#include "testdb/lease.hpp"
#include "testdb/pool.hpp"
#include "testdb/process_budget.hpp"
#include "testdb/query.hpp"
#include "testdb/safety.hpp"
#include "testdb/source_location.hpp"
#include "testdb/test_db.hpp"
#include "testdb/run_token.hpp"

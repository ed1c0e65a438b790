/// @file catch2.hpp
/// @brief testdb's Catch2 v2 integration. Link `testdb::catch2` and the
/// listener registers itself: nothing to include for it to run.
///
/// Per run: load the configuration, start the embedded server if none is
/// configured, apply the suite's schema once, sweep tenants of crashed runs.
/// Per test case: set testdb::context(), then clean up the file's tenants and
/// fail the test case if it kept a lease, left a transaction open or left
/// rows. At the end: shut the pool down, stop the server, print one summary
/// line and write the JSON report named by TESTDB_REPORT.
#pragma once

#include <string>
#include <utility>

#include "testdb/context.hpp"
#include "testdb/isolation.hpp"
#include "testdb/lifecycle.hpp"
#include "testdb/report.hpp"

namespace testdb::catch2 {

/// The suite's settings (now part of the core, testdb/lifecycle.hpp).
using SuiteSettings = testdb::SuiteSettings;
/// Same as testdb::registerSuite().
inline bool registerSuite(SuiteSettings settings) { return testdb::registerSuite(std::move(settings)); }
/// Same as testdb::suiteSettings().
inline SuiteSettings suiteSettings() { return testdb::suiteSettings(); }
/// Same as testdb::suiteIsolation().
inline Isolation suiteIsolation() { return testdb::suiteIsolation(); }

/// True once the run started (Catch2 ran testRunStarting): a self-test can
/// prove the adapter is linked and firing. Same as lifecycle().active().
inline bool listenerActive() { return lifecycle().active(); }

/// The report of the run so far (complete after the run ends). Same as
/// lifecycle().report().
inline const RunReport& runReport() { return lifecycle().report(); }

}  // namespace testdb::catch2

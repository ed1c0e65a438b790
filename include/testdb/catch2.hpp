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

#include "testdb/context.hpp"
#include "testdb/isolation.hpp"
#include "testdb/report.hpp"

namespace testdb::catch2 {

/// Settings of one suite, registered by the code that
/// testdb_add_integration_suite() generates (or by hand, at file scope).
struct SuiteSettings {
    std::string name;         ///< suite name (for reports)
    std::string schema_file;  ///< SQL applied once per schema hash; "" for none
    std::string isolation;    ///< "tenant" (default when empty), "rollback" or "database"
};

/// Registers the suite's settings; returns true so it can initialise a static.
bool registerSuite(SuiteSettings settings);
/// The registered settings (TESTDB_SCHEMA overrides schema_file,
/// TESTDB_ISOLATION overrides isolation).
SuiteSettings suiteSettings();

/// The isolation tier of this run (suiteSettings().isolation, parsed).
Isolation suiteIsolation();
/// True once the listener's testRunStarting ran: a self-test can prove the
/// listener is linked and firing.
bool listenerActive();

/// The report of the run so far (complete after the run ends).
const RunReport& runReport();

}  // namespace testdb::catch2

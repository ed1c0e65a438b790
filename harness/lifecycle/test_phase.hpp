// Private: the core's record of which test case runs now, shared by every
// framework adapter. Work that outlives its test case (a detached thread,
// a lease taken after the end-of-test checks) is refused and blamed on the
// test that started it; failures that belong to no test case (rows left at
// run end) are kept so the adapter can still fail the process.
#pragma once

#include <string>
#include <vector>

#include "testdb/source_location.hpp"

namespace testdb::detail {

/// The adapter starts a test case named `name` (one run of it).
void testCaseStarted(const std::string& name);
/// The running test case ended; the adapter is about to run its
/// end-of-test checks on its own thread. From now on only that thread may
/// use the database until the next test case starts.
void testCaseEnded();

/// The running test case's name ("" between test cases).
std::string runningTest();

/// Throws IsolationError (and records it as a run failure) when the last
/// test case has ended, no other one runs, and the caller is not the
/// adapter's thread: `what` at `where` is work of the test that ended.
void requireRunningTest(const std::string& what, SourceLocation where);

/// A failure of the run that no running test case can carry (the adapter
/// makes the process exit non-zero for it).
void addRunFailure(std::string message);
/// Every run failure so far, in order.
std::vector<std::string> runFailures();

}  // namespace testdb::detail

/// @file catch2v3.hpp
/// @brief testdb's Catch2 v3 adapter (`testdb::catch2v3`). Link it and its
/// listener registers itself and drives testdb's lifecycle
/// (testdb/lifecycle.hpp): nothing to include for it to run. It brings a
/// main() too; a suite with a main() of its own keeps its own and should
/// exit non-zero when runFailed() says so.
///
/// Test files include Catch2 v3's headers, or testdb/catch.hpp to build
/// under both Catch2 adapters from the same source.
#pragma once

namespace testdb::catch2v3 {

/// True once the run ended with failures that belong to no test case (rows
/// left at run end, work after a test ended, a check that could not run):
/// Catch2's own exit code does not count them.
bool runFailed();

}  // namespace testdb::catch2v3

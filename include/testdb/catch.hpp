/// @file catch.hpp
/// @brief One include for test files that build under both Catch2 adapters:
/// Catch2 v2 (`testdb::catch2`, Debian's 2.13) and Catch2 v3
/// (`testdb::catch2v3`, 3.x). The adapter a suite links picks the headers:
/// `testdb::catch2v3` defines TESTDB_CATCH2V3 for every target that links it.
///
/// What it gives, under both: the test macros (TEST_CASE, SECTION, CHECK,
/// REQUIRE, the *_THROWS_* family, TEST_CASE_METHOD...), generators
/// (GENERATE), the string matchers and testdb::containsText() (v2's
/// Catch::Contains is v3's Catch::Matchers::ContainsSubstring). Define
/// CATCH_CONFIG_EXTERNAL_INTERFACES before including it (as Catch2 v2 asks)
/// to write a listener: derive from testdb::CatchListenerBase and register it
/// with CATCH_REGISTER_LISTENER.
///
/// A suite that only ever uses one Catch2 major version can include that
/// version's own headers instead; this header is for sources shared by both.
#pragma once

#include <string>

#if defined(TESTDB_CATCH2V3)
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#if defined(CATCH_CONFIG_EXTERNAL_INTERFACES)
#include <catch2/catch_test_case_info.hpp>
#include <catch2/reporters/catch_reporter_event_listener.hpp>
#include <catch2/reporters/catch_reporter_registrars.hpp>
#endif
#else
#include <catch2/catch.hpp>
#endif

namespace testdb {

#if defined(TESTDB_CATCH2V3)
/// A matcher for text that contains `part` (case-sensitive).
inline Catch::Matchers::StringContainsMatcher containsText(const std::string& part) {
    return Catch::Matchers::ContainsSubstring(part);
}
#if defined(CATCH_CONFIG_EXTERNAL_INTERFACES)
/// The base class of a Catch2 listener (v3: Catch::EventListenerBase).
using CatchListenerBase = Catch::EventListenerBase;
#endif
#else
/// A matcher for text that contains `part` (case-sensitive).
inline Catch::Matchers::StdString::ContainsMatcher containsText(const std::string& part) {
    return Catch::Matchers::Contains(part);
}
#if defined(CATCH_CONFIG_EXTERNAL_INTERFACES)
/// The base class of a Catch2 listener (v2: Catch::TestEventListenerBase).
using CatchListenerBase = Catch::TestEventListenerBase;
#endif
#endif

}  // namespace testdb

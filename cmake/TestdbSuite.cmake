# testdb_add_integration_suite(NAME SOURCES file... [SCHEMA file] [LABELS label...]
#                              [LIBRARIES target...] [TIMEOUT seconds] [NO_CTEST]
#                              [ISOLATION tenant|rollback|database|touched]
#                              [ALSO_TIERS tier...]
#                              [FRAMEWORK catch2|catch2v3|gtest] [NO_PCH])
#
# FRAMEWORK picks the adapter the suite links (default catch2, Catch2 v2):
# testdb::catch2, testdb::catch2v3 or testdb::gtest. Each brings its main().
#
# ALSO_TIERS registers the same executable once more per tier, as
# `<name>:<tier>` with TESTDB_ISOLATION set, so one suite proves it passes
# in every tier it claims.
#
# Builds one executable from every test file of the suite (they share one
# process, hence one pool of connection_limit connections), registers it with
# CTest as ONE test that never runs beside another database suite
# (RUN_SERIAL + RESOURCE_LOCK testdb, so `ctest -j8` is safe), and tells
# testdb's adapter the suite's name and schema file. NO_CTEST builds
# the suite without registering it (for suites another test runs).
#
# Build time: every suite of one FRAMEWORK reuses one precompiled header
# (the framework's, libpqxx's and testdb's public headers), built once by a
# small object library `testdb_pch_<framework>`; the framework's main() is
# prebuilt in the adapter. Touching one test file then recompiles only that
# file's own code. NO_PCH (or TESTDB_SUITE_PCH=OFF for every suite) builds
# without it: for a test file that must define a framework macro before the
# framework's header (CATCH_CONFIG_EXTERNAL_INTERFACES...), or a suite whose
# LIBRARIES change compile definitions or the language standard.
# TESTDB_SUITE_DEBUG_INFO (default split: `-gsplit-dwarf`) keeps the test
# files' debug information out of the link; TESTDB_SUITE_SHARED_RUNTIME (opt
# in) links testdb's core as a shared library so a relink skips its archives.
include_guard(GLOBAL)

option(TESTDB_SUITE_PCH "Suites of testdb_add_integration_suite share one precompiled header per framework" ON)
# A test file's own code runs database round trips, not loops: optimising it
# buys nothing at run time and is most of its compile time (the code under
# test, in the suite's LIBRARIES, keeps the build's flags). Empty: the
# build's flags for the test files too.
set(TESTDB_SUITE_COMPILE_OPTIONS "-O0" CACHE STRING
    "Compile options of the test files of testdb_add_integration_suite (default -O0; empty: the build's)")
# The linker of suites: lld when the compiler can use it (twice as fast as
# ld.bfd on a suite with debug information), else the default. Empty: the default.
if(NOT DEFINED TESTDB_SUITE_LINKER)
  include(CheckLinkerFlag)
  check_linker_flag(CXX "-fuse-ld=lld" TESTDB_SUITE_LLD_WORKS)
  set(_testdb_default_linker "")
  if(TESTDB_SUITE_LLD_WORKS)
    set(_testdb_default_linker lld)
  endif()
  set(TESTDB_SUITE_LINKER "${_testdb_default_linker}" CACHE STRING
      "Linker of testdb_add_integration_suite's suites (-fuse-ld=VALUE; empty: the compiler's default)")
endif()

# Debug information of the test files. `split` (default): the build's -g
# level, written beside each object (`-gsplit-dwarf`, `.dwo` files) instead of
# into it, so the link never reads or copies it; gdb and lldb find the `.dwo`
# files through the executable (full debugging while the build tree exists).
# `lines`: line tables and function names only (`-g1`): backtraces and
# breakpoints by file:line, no local variables. `none`: `-g0`. `build`: the
# build's own flags. Only the test files: the code under test keeps its own.
set(TESTDB_SUITE_DEBUG_INFO "split" CACHE STRING
    "Debug information of the test files of testdb_add_integration_suite: split, lines, none or build")
set_property(CACHE TESTDB_SUITE_DEBUG_INFO PROPERTY STRINGS split lines none build)
if(NOT TESTDB_SUITE_DEBUG_INFO MATCHES "^(split|lines|none|build)?$")
  message(FATAL_ERROR "TESTDB_SUITE_DEBUG_INFO is ${TESTDB_SUITE_DEBUG_INFO}, not a choice; "
                      "use split, lines, none or build (empty: build).")
endif()

# The compile options of TESTDB_SUITE_DEBUG_INFO, to `out`. A function (not a
# variable of this file) so a project that adds testdb as a subdirectory and
# defines suites in its own directories gets them too.
function(_testdb_suite_debug_options out)
  set(options "")
  if(TESTDB_SUITE_DEBUG_INFO STREQUAL "split")
    include(CheckCXXCompilerFlag)
    check_cxx_compiler_flag(-gsplit-dwarf TESTDB_SUITE_SPLIT_DWARF_WORKS)
    if(TESTDB_SUITE_SPLIT_DWARF_WORKS)
      set(options -gsplit-dwarf)
    endif()
  elseif(TESTDB_SUITE_DEBUG_INFO STREQUAL "lines")
    set(options -g1)
  elseif(TESTDB_SUITE_DEBUG_INFO STREQUAL "none")
    set(options -g0)
  endif()
  set(${out} ${options} PARENT_SCOPE)
endfunction()

# The edit-run loop's link: ON links testdb's core (and, for Catch2 v2, the
# framework's runner, which testdb's main() compiles) into one shared library
# per framework built in this project (`testdb_suite_runtime_<framework>`,
# from the installed static archives), so relinking a suite after an edit
# reads the test files and that library's symbols instead of 100 MB of static
# archives with their debug information. The suites then run only beside that
# library (the build tree's RPATH): opt in for development, keep it OFF for
# executables that are copied elsewhere. Catch2 v3 and GoogleTest are
# libraries the test files link themselves: their runner stays in the suite,
# one copy of the framework.
option(TESTDB_SUITE_SHARED_RUNTIME
       "Suites of testdb_add_integration_suite link testdb's core as a shared library (faster relink; the suite needs the build tree)" OFF)

# The shared library of TESTDB_SUITE_SHARED_RUNTIME for `framework` (created
# by the first suite that needs it); its name goes to `out`.
function(_testdb_suite_runtime framework out)
  set(runtime testdb_suite_runtime_${framework})
  if(NOT TARGET ${runtime})
    set(archives testdb::harness)
    if(framework STREQUAL "catch2")
      if(TARGET testdb_catch2_main)  # this build's; testdb::catch2_main when installed
        list(APPEND archives testdb_catch2_main)
      else()
        list(APPEND archives testdb::catch2_main)
      endif()
    endif()
    set(source "${CMAKE_BINARY_DIR}/testdb_suite_runtime/${framework}.cpp")
    file(CONFIGURE OUTPUT "${source}" CONTENT
         "// Generated by testdb_add_integration_suite(): testdb's archives as one shared library.\n")
    add_library(${runtime} SHARED "${source}")
    # Every member of the archives (built position-independent for this),
    # then the archives as targets for what they link. Not $<LINK_LIBRARY:
    # WHOLE_ARCHIVE>: CMake refuses it for an archive that also comes
    # without it through another target (the main's link to the core).
    set(whole "")
    foreach(archive IN LISTS archives)
      list(APPEND whole "$<TARGET_FILE:${archive}>")
    endforeach()
    target_link_libraries(${runtime} PRIVATE -Wl,--whole-archive ${whole} -Wl,--no-whole-archive
                          ${archives})
    if(TESTDB_SUITE_LINKER)
      target_link_options(${runtime} PRIVATE -fuse-ld=${TESTDB_SUITE_LINKER})
    endif()
    if(COMMAND testdb_set_warnings)
      testdb_set_warnings(${runtime})  # the sanitizers' link flags too
    endif()
  endif()
  set(${out} ${runtime} PARENT_SCOPE)
endfunction()

# The build-time settings above applied to `target` (a suite or its PCH owner).
function(_testdb_suite_build_settings target)
  if(TESTDB_SUITE_COMPILE_OPTIONS)
    target_compile_options(${target} PRIVATE ${TESTDB_SUITE_COMPILE_OPTIONS})
  endif()
  _testdb_suite_debug_options(debug_options)
  if(debug_options)
    target_compile_options(${target} PRIVATE ${debug_options})
  endif()
  if(COMMAND testdb_set_warnings)
    testdb_set_warnings(${target})
  endif()
endfunction()

# The headers a suite's test files of `framework` include, precompiled once.
function(_testdb_suite_pch_headers framework out)
  set(common <string> <vector> <map> <memory> <functional> <optional> <thread> <mutex>
             <pqxx/pqxx> <testdb/testdb.hpp> <testdb/context.hpp> <testdb/factory.hpp>
             <testdb/lifecycle.hpp>)
  if(framework STREQUAL "catch2")
    set(own <catch2/catch.hpp> <testdb/catch.hpp> <testdb/catch2.hpp>)
  elseif(framework STREQUAL "catch2v3")
    set(own <catch2/catch_test_macros.hpp> <catch2/generators/catch_generators.hpp>
            <catch2/matchers/catch_matchers_string.hpp> <testdb/catch.hpp>)
  else()
    set(own <gtest/gtest.h> <testdb/gtest.hpp>)
  endif()
  set(${out} ${own} ${common} PARENT_SCOPE)
endfunction()

# The object library that owns `framework`'s shared precompiled header
# (created by the first suite that needs it); its name goes to `out`.
function(_testdb_suite_pch_owner framework out)
  set(owner testdb_pch_${framework})
  if(NOT TARGET ${owner})
    set(source "${CMAKE_BINARY_DIR}/testdb_pch/${framework}.cpp")
    file(CONFIGURE OUTPUT "${source}" CONTENT
         "// Generated by testdb_add_integration_suite(): owns the precompiled header.\n")
    add_library(${owner} OBJECT "${source}")
    target_link_libraries(${owner} PRIVATE testdb::${framework})
    _testdb_suite_pch_headers(${framework} headers)
    target_precompile_headers(${owner} PRIVATE ${headers})
    _testdb_suite_build_settings(${owner})  # a PCH is only reused with the same flags
  endif()
  set(${out} ${owner} PARENT_SCOPE)
endfunction()

set(_TESTDB_SUITE_TEMPLATE_DIR "${CMAKE_CURRENT_LIST_DIR}")

function(testdb_add_integration_suite name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_CTEST;NO_PCH" "SCHEMA;TIMEOUT;ISOLATION;FRAMEWORK" "SOURCES;LABELS;LIBRARIES;ALSO_TIERS")
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "testdb_add_integration_suite(${name}): SOURCES is empty; "
                        "list the suite's test files after SOURCES.")
  endif()
  set(schema "")
  if(ARG_SCHEMA)
    get_filename_component(schema "${ARG_SCHEMA}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    if(NOT EXISTS "${schema}")
      message(FATAL_ERROR "testdb_add_integration_suite(${name}): SCHEMA file ${schema} "
                          "does not exist; fix the path (relative to ${CMAKE_CURRENT_SOURCE_DIR}).")
    endif()
  endif()
  set(isolation "${ARG_ISOLATION}")
  if(isolation AND NOT isolation MATCHES "^(tenant|rollback|database|touched)$")
    message(FATAL_ERROR "testdb_add_integration_suite(${name}): ISOLATION ${isolation} is not "
                        "a tier; use tenant, rollback, database or touched.")
  endif()
  if(NOT ARG_FRAMEWORK)
    set(ARG_FRAMEWORK catch2)
  endif()
  if(NOT ARG_FRAMEWORK MATCHES "^(catch2|catch2v3|gtest)$")
    message(FATAL_ERROR "testdb_add_integration_suite(${name}): FRAMEWORK ${ARG_FRAMEWORK} is "
                        "not an adapter; use catch2 (Catch2 v2), catch2v3 or gtest.")
  endif()
  if(NOT TARGET testdb::${ARG_FRAMEWORK})
    message(FATAL_ERROR "testdb_add_integration_suite(${name}): FRAMEWORK ${ARG_FRAMEWORK} needs "
                        "the target testdb::${ARG_FRAMEWORK}, which this build does not have; "
                        "find_package(testdb) with that adapter installed, or pick another FRAMEWORK.")
  endif()
  # The suite's settings live in a generated source of the suite itself, so
  # they are linked for certain (a static library's object could be dropped).
  set(settings_cpp "${CMAKE_CURRENT_BINARY_DIR}/${name}_testdb_suite.cpp")
  file(CONFIGURE OUTPUT "${settings_cpp}" CONTENT [=[
// Generated by testdb_add_integration_suite(); do not edit.
#include "testdb/lifecycle.hpp"
namespace {
const bool registered = testdb::registerSuite({"@name@", R"testdb(@schema@)testdb", "@isolation@"});
}  // namespace
]=] @ONLY)
  add_executable(${name} ${ARG_SOURCES} "${settings_cpp}")
  if(TESTDB_SUITE_SHARED_RUNTIME)
    # First on the link line: every symbol it defines resolves to it, so the
    # static archives that follow (through the adapter or LIBRARIES) add nothing.
    _testdb_suite_runtime(${ARG_FRAMEWORK} runtime)
    target_link_libraries(${name} PRIVATE ${runtime})
  endif()
  target_link_libraries(${name} PRIVATE testdb::${ARG_FRAMEWORK} ${ARG_LIBRARIES})
  _testdb_suite_build_settings(${name})
  if(TESTDB_SUITE_LINKER)
    target_link_options(${name} PRIVATE -fuse-ld=${TESTDB_SUITE_LINKER})
  endif()
  if(TESTDB_SUITE_PCH AND NOT ARG_NO_PCH)
    _testdb_suite_pch_owner(${ARG_FRAMEWORK} pch_owner)
    target_precompile_headers(${name} REUSE_FROM ${pch_owner})
    # The generated settings file is tiny: no header to share.
    set_source_files_properties("${settings_cpp}" PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
  endif()
  if(ARG_NO_CTEST)
    return()
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES RUN_SERIAL TRUE RESOURCE_LOCK testdb
                       TIMEOUT ${ARG_TIMEOUT} LABELS "integration;${ARG_LABELS}")
  foreach(tier IN LISTS ARG_ALSO_TIERS)
    add_test(NAME ${name}:${tier} COMMAND ${name})
    set_tests_properties(${name}:${tier} PROPERTIES RUN_SERIAL TRUE RESOURCE_LOCK testdb
                         TIMEOUT ${ARG_TIMEOUT} LABELS "integration;isolation"
                         ENVIRONMENT "TESTDB_ISOLATION=${tier}")
  endforeach()
endfunction()

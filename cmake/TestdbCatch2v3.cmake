# testdb_import_catch2v3(PREFIX [QUIET]): makes Catch2 v3's library, installed
# under PREFIX, the imported target Catch2v3::Catch2 (what testdb::catch2v3
# links). Shared by the build and by the installed testdbConfig.cmake.
#
# Why not find_package(Catch2 3): Catch2 v2 and v3 are both the package
# Catch2 and both define Catch2::Catch2 and Catch2::Catch2WithMain. testdb
# finds v2 in the top directory, whose imported targets every directory
# sees, and v3's Catch2Targets.cmake returns early when its targets already
# exist: find_package(Catch2 3) would succeed and hand back v2's targets. So
# v3 gets a name of its own, and v2's targets stay what they are everywhere.
#
# QUIET: a PREFIX without Catch2 v3 leaves Catch2v3::Catch2 undefined
# instead of stopping the configuration.
include_guard(GLOBAL)

function(testdb_import_catch2v3 prefix)
  if(TARGET Catch2v3::Catch2)
    return()
  endif()
  set(version_header "${prefix}/include/catch2/catch_version_macros.hpp")
  set(major "")
  if(EXISTS "${version_header}")
    file(STRINGS "${version_header}" major REGEX "^#define CATCH_VERSION_MAJOR ")
    string(REGEX REPLACE "^#define CATCH_VERSION_MAJOR ([0-9]+).*" "\\1" major "${major}")
  endif()
  set(library "")
  foreach(candidate IN ITEMS lib/libCatch2.a lib64/libCatch2.a lib/libCatch2d.a lib64/libCatch2d.a)
    if(NOT library AND EXISTS "${prefix}/${candidate}")
      set(library "${prefix}/${candidate}")
    endif()
  endforeach()
  if(NOT major STREQUAL "3" OR NOT library)
    string(CONCAT why "ConfigError: TESTDB_CATCH2V3_DIR=${prefix} holds no Catch2 v3 install "
            "(no include/catch2/catch_version_macros.hpp of version 3, or no lib/libCatch2.a).\n"
            "Fix: set TESTDB_CATCH2V3_DIR to Catch2 3's install prefix (testdb's scripts/test.sh builds one "
            "from Catch2-3.7.1.tar.gz in TESTDB_DEPS_DIR), or leave it empty to build without "
            "testdb::catch2v3.")
    if(ARGV1 STREQUAL "QUIET")
      message(STATUS "testdb: no testdb::catch2v3: ${why}")
      return()
    endif()
    message(FATAL_ERROR "${why}")
  endif()
  add_library(Catch2v3::Catch2 STATIC IMPORTED GLOBAL)
  set_target_properties(Catch2v3::Catch2 PROPERTIES
    IMPORTED_LOCATION "${library}"
    INTERFACE_INCLUDE_DIRECTORIES "${prefix}/include"
    INTERFACE_COMPILE_FEATURES cxx_std_14)
  message(STATUS "testdb: Catch2 v3 for testdb::catch2v3 from ${prefix}")
endfunction()

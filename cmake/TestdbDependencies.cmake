# Finds what testdb's public headers and libraries need. Shared by the build
# and by the installed testdbConfig.cmake, so both resolve the same targets.
include(CMakeFindDependencyMacro)
find_dependency(Threads)
# OpenSSL's libcrypto: SHA-256 of the schema's migrations (the hash that
# names templates and decides whether to apply). libpq links it already.
find_dependency(OpenSSL COMPONENTS Crypto)

# libpqxx, behind one target (testdb::libpqxx) whichever way it was found:
# its own CMake package (libpqxx::pqxx, shipped by 7.x and 8.x; found through
# CMAKE_PREFIX_PATH), otherwise pkg-config (Debian's 6.4, some distributions'
# 7.x). libpqxx 8 needs C++20; the target says so, so every target that links
# testdb (the consumer's suites too) compiles as C++20.
if(NOT TARGET testdb::libpqxx)
  add_library(testdb::libpqxx INTERFACE IMPORTED)
  find_package(libpqxx CONFIG QUIET)
  if(TARGET libpqxx::pqxx)
    set(TESTDB_LIBPQXX_VERSION "${libpqxx_VERSION}")
    set(TESTDB_LIBPQXX_FOUND_BY "CMake package in ${libpqxx_DIR}")
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
    set_property(TARGET testdb::libpqxx PROPERTY
                 INTERFACE_LINK_LIBRARIES libpqxx::pqxx PkgConfig::LIBPQ)
  else()
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx>=6.4)
    pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
    set(TESTDB_LIBPQXX_VERSION "${PQXX_VERSION}")
    set(TESTDB_LIBPQXX_FOUND_BY "pkg-config")
    set_property(TARGET testdb::libpqxx PROPERTY
                 INTERFACE_LINK_LIBRARIES PkgConfig::PQXX PkgConfig::LIBPQ)
  endif()
  if(TESTDB_LIBPQXX_VERSION VERSION_GREATER_EQUAL 8)
    set_property(TARGET testdb::libpqxx PROPERTY INTERFACE_COMPILE_FEATURES cxx_std_20)
  endif()
  message(STATUS "testdb: libpqxx ${TESTDB_LIBPQXX_VERSION} (${TESTDB_LIBPQXX_FOUND_BY})")
endif()

# libc++ (clang -stdlib=libc++, the toolchain libpqxx 8 needs on Debian 12,
# and macOS's): Debian's compiled spdlog, fmt and Catch2 main are built
# against libstdc++ and cannot be linked, so they are used header-only.
include(CheckCXXSourceCompiles)
check_cxx_source_compiles("#include <cstddef>
#ifndef _LIBCPP_VERSION
#error libstdc++
#endif
int main() { return 0; }" TESTDB_USES_LIBCXX)

find_dependency(spdlog)
find_dependency(nlohmann_json)
if(TESTDB_USES_LIBCXX)
  find_dependency(fmt)
  set_property(TARGET spdlog::spdlog_header_only PROPERTY
               INTERFACE_LINK_LIBRARIES Threads::Threads fmt::fmt-header-only)
  set(TESTDB_SPDLOG_TARGET spdlog::spdlog_header_only)
else()
  set(TESTDB_SPDLOG_TARGET spdlog::spdlog)
endif()

# Catch2 v2: with libc++, the suites get Catch2's main from a small library
# compiled here (Debian's libCatch2WithMain.a is libstdc++ code). Defining
# both targets first makes Catch2's own package skip its definitions.
if(TESTDB_USES_LIBCXX AND NOT TARGET Catch2::Catch2WithMain)
  find_path(TESTDB_CATCH2_INCLUDE_DIR catch2/catch.hpp REQUIRED)
  add_library(Catch2::Catch2 INTERFACE IMPORTED)
  set_property(TARGET Catch2::Catch2 PROPERTY
               INTERFACE_INCLUDE_DIRECTORIES "${TESTDB_CATCH2_INCLUDE_DIR}")
  set(testdb_catch2_libcxx_main_source "${CMAKE_BINARY_DIR}/testdb_catch2_libcxx_main.cpp")
  file(WRITE "${testdb_catch2_libcxx_main_source}"
       "#define CATCH_CONFIG_MAIN\n#include <catch2/catch.hpp>\n")
  add_library(testdb_catch2_libcxx_main STATIC EXCLUDE_FROM_ALL "${testdb_catch2_libcxx_main_source}")
  target_link_libraries(testdb_catch2_libcxx_main PUBLIC Catch2::Catch2)
  add_library(Catch2::Catch2WithMain INTERFACE IMPORTED)
  set_property(TARGET Catch2::Catch2WithMain PROPERTY
               INTERFACE_LINK_LIBRARIES Catch2::Catch2 testdb_catch2_libcxx_main)
endif()
find_dependency(Catch2)
if(TESTDB_USES_LIBCXX)
  # Catch2's package adds its scripts (Catch.cmake) only when it defines the
  # targets itself.
  list(APPEND CMAKE_MODULE_PATH "${Catch2_DIR}")
endif()

# GoogleTest (testdb::gtest): optional for the build, which skips the adapter
# without it; the installed package needs it when the adapter was installed
# (testdbConfig.cmake sets TESTDB_GTEST_REQUIRED). With libc++, GoogleTest is
# compiled here from Debian's sources (/usr/src/googletest; libgtest.a is
# libstdc++ code), and GTest's own package is not loaded.
if(TESTDB_USES_LIBCXX AND NOT TARGET GTest::gtest)
  find_path(TESTDB_GTEST_SOURCE_DIR src/gtest-all.cc
            PATHS /usr/src/googletest/googletest NO_DEFAULT_PATH)
  if(TESTDB_GTEST_SOURCE_DIR)
    add_library(testdb_gtest_libcxx STATIC EXCLUDE_FROM_ALL "${TESTDB_GTEST_SOURCE_DIR}/src/gtest-all.cc")
    target_include_directories(testdb_gtest_libcxx SYSTEM PUBLIC "${TESTDB_GTEST_SOURCE_DIR}/include"
                               PRIVATE "${TESTDB_GTEST_SOURCE_DIR}")
    target_link_libraries(testdb_gtest_libcxx PUBLIC Threads::Threads)
    add_library(GTest::gtest INTERFACE IMPORTED)
    set_property(TARGET GTest::gtest PROPERTY INTERFACE_LINK_LIBRARIES testdb_gtest_libcxx)
  elseif(TESTDB_GTEST_REQUIRED)
    message(FATAL_ERROR "testdb: testdb::gtest with libc++ needs GoogleTest's sources in "
                        "/usr/src/googletest (Debian: apt-get install libgtest-dev).")
  endif()
elseif(NOT TARGET GTest::gtest)
  if(TESTDB_GTEST_REQUIRED)
    find_dependency(GTest)
  else()
    find_package(GTest QUIET)
  endif()
endif()

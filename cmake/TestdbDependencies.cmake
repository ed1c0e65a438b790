# Finds what testdb's public headers and libraries need. Shared by the build
# and by the installed testdbConfig.cmake, so both resolve the same targets.
include(CMakeFindDependencyMacro)
find_package(PkgConfig REQUIRED)
# libpqxx 6.4 on Debian ships no CMake package, only pkg-config metadata.
if(NOT TARGET PkgConfig::PQXX)
  pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET GLOBAL libpqxx>=6.4)
endif()
if(NOT TARGET PkgConfig::LIBPQ)
  pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET GLOBAL libpq)
endif()
find_dependency(spdlog)
find_dependency(nlohmann_json)
find_dependency(Threads)
find_dependency(Catch2)

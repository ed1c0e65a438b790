# Builds tests/subproject (a user's project with testdb as a subproject) from
# scratch and checks what testdb contributes to it: only its library, adapter
# and tool (the project's CMakeLists.txt checks the targets), no tests of its
# own in ctest, no install rules, and a working testdb_add_integration_suite().
# The FetchContent variant is configured too (same check of the targets).
# Arguments: -DTESTDB_SOURCE_DIR=<checkout> -DSOURCE_DIR=<tests/subproject> -DWORK_DIR=<scratch>
include("${CMAKE_CURRENT_LIST_DIR}/../consumer/build_consumer.cmake")
file(REMOVE_RECURSE "${WORK_DIR}")
set(build "${WORK_DIR}/build")
testdb_run_checked(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/fetchcontent"
                   "-DTESTDB_SOURCE_DIR=${TESTDB_SOURCE_DIR}" -DUSE_FETCHCONTENT=ON)
testdb_run_checked(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${build}"
                   "-DTESTDB_SOURCE_DIR=${TESTDB_SOURCE_DIR}" -DCMAKE_BUILD_TYPE=RelWithDebInfo)
testdb_run_checked(${CMAKE_COMMAND} --build "${build}" -j 2)

execute_process(COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${build}" -N
                OUTPUT_VARIABLE listed RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT listed MATCHES "Test +#1: subproject_it\n" OR NOT listed MATCHES "Total Tests: 1\n")
  message(FATAL_ERROR "ctest should list only the project's own suite, subproject_it:\n${listed}")
endif()
testdb_run_checked(${CMAKE_CTEST_COMMAND} --test-dir "${build}" --output-on-failure --no-tests=error)

testdb_run_checked(${CMAKE_COMMAND} --install "${build}" --prefix "${WORK_DIR}/prefix")
file(GLOB_RECURSE installed "${WORK_DIR}/prefix/*")
if(installed)
  message(FATAL_ERROR "testdb as a subproject installed files into the user's prefix "
                      "(TESTDB_INSTALL should be OFF unless top-level): ${installed}")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")

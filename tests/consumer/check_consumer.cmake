# Installs the built testdb into a fresh prefix, then configures, builds and
# runs tests/consumer against it with find_package(testdb), as a user would.
# Arguments: -DBUILD_DIR=<testdb build> -DSOURCE_DIR=<tests/consumer> -DWORK_DIR=<scratch>
include("${CMAKE_CURRENT_LIST_DIR}/build_consumer.cmake")
testdb_check_consumer("${BUILD_DIR}" "${SOURCE_DIR}" "${WORK_DIR}")

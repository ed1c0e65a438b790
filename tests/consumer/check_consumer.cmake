# Installs the built testdb into a fresh prefix, then configures, builds and
# runs tests/consumer against it with find_package(testdb), as a user would.
# Arguments: -DBUILD_DIR=<testdb build> -DSOURCE_DIR=<tests/consumer> -DWORK_DIR=<scratch>
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
  message("${out}")
endfunction()
run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
# Errors refer users to the settings file: it must be installed with testdb.
if(NOT EXISTS "${prefix}/share/testdb/.env.test.example")
  message(FATAL_ERROR "the install has no share/testdb/.env.test.example")
endif()
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/build" "-DCMAKE_PREFIX_PATH=${prefix}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build" -j 2)
run(${CMAKE_CTEST_COMMAND} --test-dir "${WORK_DIR}/build" --output-on-failure)
file(REMOVE_RECURSE "${WORK_DIR}")

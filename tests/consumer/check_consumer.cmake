# Installs the built testdb into a fresh prefix, then configures, builds and
# runs tests/consumer against it with find_package(testdb), as a user would.
# Arguments: -DBUILD_DIR=<testdb build> -DSOURCE_DIR=<tests/consumer> -DWORK_DIR=<scratch>
# and the build's toolchain and libpqxx location, which a user passes the same
# way: -DLIBPQXX_PREFIX_PATH=<libpqxx install, empty for Debian's>
# -DCXX_COMPILER=... -DCXX_FLAGS=... -DEXE_LINKER_FLAGS=... (libc++ for libpqxx 8)
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
# CMAKE_PREFIX_PATH is the only project-specific setting: testdb's prefix and,
# for a libpqxx outside the system, its install prefix (through the
# environment's CMAKE_PREFIX_PATH, as a ';' would split this command line).
set(ENV{CMAKE_PREFIX_PATH} "${LIBPQXX_PREFIX_PATH}")
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/build" "-DCMAKE_PREFIX_PATH=${prefix}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build" -j 2)
run(${CMAKE_CTEST_COMMAND} --test-dir "${WORK_DIR}/build" --output-on-failure)
file(REMOVE_RECURSE "${WORK_DIR}")

# testdb_check_consumer(): installs the built testdb into a fresh prefix, then
# configures, builds and runs a project against it with find_package(testdb),
# as a user would, with the toolchain and libpqxx location of the testdb build
# (-DLIBPQXX_PREFIX_PATH, -DCXX_COMPILER, -DCXX_FLAGS, -DEXE_LINKER_FLAGS given
# to the script: see testdb_add_project_test). ctest must find at least one test (--no-tests=error): a
# project without enable_testing() fails here instead of passing with none.
# Used by check_consumer.cmake and by the README's CMake snippet test.
# Optional: -DCONSUMER_OPTIONS=<-Dx=y,...> (','-separated) configure the
# project with testdb's suite options; -DEXPECT_NEEDED=<exe>:<library> then
# requires the built <exe> to load <library> (readelf's NEEDED entries).
function(testdb_run_checked)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
  message("${out}")
endfunction()

# BUILD_DIR: testdb's build tree; SOURCE_DIR: the project; WORK_DIR: scratch
# (holds prefix/ and build/, removed before and after).
function(testdb_check_consumer build_dir source_dir work_dir)
  file(REMOVE_RECURSE "${work_dir}")
  set(prefix "${work_dir}/prefix")
  testdb_run_checked(${CMAKE_COMMAND} --install "${build_dir}" --prefix "${prefix}")
  # Errors refer users to the settings file: it must be installed with testdb.
  if(NOT EXISTS "${prefix}/share/testdb/.env.test.example")
    message(FATAL_ERROR "the install has no share/testdb/.env.test.example")
  endif()
  # CMAKE_PREFIX_PATH is the only project-specific setting: testdb's prefix
  # and, for a libpqxx outside the system, its install prefix (through the
  # environment). The compiler and flags are the testdb build's own.
  set(ENV{CMAKE_PREFIX_PATH} "${LIBPQXX_PREFIX_PATH}")
  set(toolchain)
  if(CXX_COMPILER)
    list(APPEND toolchain "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
         "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}")
  endif()
  string(REPLACE "," ";" options "${CONSUMER_OPTIONS}")
  testdb_run_checked(${CMAKE_COMMAND} -S "${source_dir}" -B "${work_dir}/build"
                     "-DCMAKE_PREFIX_PATH=${prefix}" ${toolchain} ${options})
  testdb_run_checked(${CMAKE_COMMAND} --build "${work_dir}/build" -j 2)
  if(EXPECT_NEEDED)
    string(REPLACE ":" ";" expected "${EXPECT_NEEDED}")
    list(GET expected 0 exe)
    list(GET expected 1 library)
    execute_process(COMMAND readelf -d "${work_dir}/build/${exe}" OUTPUT_VARIABLE dynamic
                    RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0 OR NOT dynamic MATCHES "NEEDED[^\n]*\\[${library}\\]")
      message(FATAL_ERROR "${exe} does not load ${library} (configured with ${options}):\n${dynamic}")
    endif()
  endif()
  testdb_run_checked(${CMAKE_CTEST_COMMAND} --test-dir "${work_dir}/build" --output-on-failure
                     --no-tests=error)
  file(REMOVE_RECURSE "${work_dir}")
endfunction()

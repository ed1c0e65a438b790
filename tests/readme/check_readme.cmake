# Keeps the README's code the code this directory builds and runs.
# Always: fails unless README.md contains the example test file (EXAMPLE) and
# its schema (SCHEMA) verbatim.
# With -DWORK_DIR=<scratch> -DBUILD_DIR=<testdb build>: also takes the README's
# CMake snippet (the ```cmake block that starts with cmake_minimum_required)
# as the CMakeLists.txt of a new project beside those two files, and builds
# and runs it against an installed testdb with ctest, which must find and
# pass the suite (a snippet without enable_testing() has no tests: fails).
file(READ "${README}" readme)
foreach(file IN ITEMS "${EXAMPLE}" "${SCHEMA}")
  file(READ "${file}" content)
  string(FIND "${readme}" "${content}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "README.md no longer contains ${file} verbatim: copy the file "
                        "into the README's code block (or the block into the file).")
  endif()
endforeach()
message(STATUS "README example is in sync with ${EXAMPLE} and ${SCHEMA}")
if(NOT WORK_DIR)
  return()
endif()

# The first ```cmake block that is a whole CMakeLists.txt.
set(rest "${readme}")
set(snippet "")
while(snippet STREQUAL "")
  string(FIND "${rest}" "```cmake\n" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "README.md has no ```cmake block starting with cmake_minimum_required(): "
                        "the README must show a complete CMakeLists.txt for a user's project.")
  endif()
  math(EXPR start "${at} + 9")
  string(SUBSTRING "${rest}" ${start} -1 rest)
  string(FIND "${rest}" "```" end)
  string(SUBSTRING "${rest}" 0 ${end} block)
  if(block MATCHES "^(#[^\n]*\n)*cmake_minimum_required")
    set(snippet "${block}")
  endif()
endwhile()

set(project "${WORK_DIR}-project")
file(REMOVE_RECURSE "${project}")
file(WRITE "${project}/CMakeLists.txt" "${snippet}")
file(COPY_FILE "${EXAMPLE}" "${project}/packages_test.cpp")
file(COPY_FILE "${SCHEMA}" "${project}/schema.sql")
message(STATUS "README's CMakeLists.txt:\n${snippet}")
include("${CMAKE_CURRENT_LIST_DIR}/../consumer/build_consumer.cmake")
testdb_check_consumer("${BUILD_DIR}" "${project}" "${WORK_DIR}")
file(REMOVE_RECURSE "${project}")

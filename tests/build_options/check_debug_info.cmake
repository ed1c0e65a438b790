# Checks what TESTDB_SUITE_DEBUG_INFO=split promises for one suite's test
# files: each object has its debug information beside it in a `.dwo` file
# that holds the DWARF (the link reads only the small skeleton left in the
# object). Arguments: -DOBJECT_DIR=<the suite's CMakeFiles/<name>.dir>.
file(GLOB objects "${OBJECT_DIR}/*_test.cpp.o")
if(NOT objects)
  message(FATAL_ERROR "no test objects in ${OBJECT_DIR}: build the suite first")
endif()
foreach(object IN LISTS objects)
  string(REGEX REPLACE "\\.o$" ".dwo" dwo "${object}")
  if(NOT EXISTS "${dwo}")
    message(FATAL_ERROR "${object} has no ${dwo}: the test files were not built with -gsplit-dwarf")
  endif()
  execute_process(COMMAND readelf -S "${dwo}" OUTPUT_VARIABLE sections RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT sections MATCHES "\\.debug_info\\.dwo")
    message(FATAL_ERROR "${dwo} holds no debug information (readelf -S):\n${sections}")
  endif()
endforeach()
list(LENGTH objects count)
message("${count} test objects with split debug information in ${OBJECT_DIR}")

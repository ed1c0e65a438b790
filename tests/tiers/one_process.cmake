# Two touched-tier runs without a schema against one server (`testdb up`):
# the first holds the database for a few seconds, the second starts inside
# that time and must be refused with an IsolationError, the first passes.
# TOOL: the testdb tool, SUITE: tiers_touched_hold, DIR: a scratch directory.
file(REMOVE_RECURSE "${DIR}")
execute_process(COMMAND "${TOOL}" up --dir "${DIR}" OUTPUT_VARIABLE up RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "testdb up failed (${rc}): ${up}")
endif()
string(REGEX REPLACE "^export DATABASE_URL_TEST='?([^'\n]*)'?\n?$" "\\1" url "${up}")
set(ENV{DATABASE_URL_TEST} "${url}")
set(ENV{TESTDB_ISOLATION} touched)
set(ENV{TIERS_HOLD_SECONDS} 8)
# The second run first (its stdout feeds the first's unread stdin), 3 s late.
execute_process(COMMAND sh -c "sleep 3; exec \"$0\"" "${SUITE}"
                COMMAND "${SUITE}"
                RESULTS_VARIABLE codes OUTPUT_VARIABLE out ERROR_VARIABLE err)
execute_process(COMMAND "${TOOL}" down --dir "${DIR}")
message("--- exit codes: ${codes}\n--- stdout:\n${out}\n--- stderr:\n${err}")
list(GET codes 0 second)
list(GET codes 1 first)
if(NOT first EQUAL 0)
  message(FATAL_ERROR "the first run failed (${first}); it should have held the database")
endif()
if(second EQUAL 0)
  message(FATAL_ERROR "the second run passed; it should have been refused")
endif()
string(FIND "${err}${out}" "IsolationError: another testdb process" at)
if(at EQUAL -1)
  message(FATAL_ERROR "no IsolationError naming the other process in the output")
endif()

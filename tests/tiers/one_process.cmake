# Two touched-tier runs without a schema against one server (`testdb up`):
# the first holds the database for a few seconds, the second starts inside
# that time and must be refused with an IsolationError, the first passes.
# TOOL: the testdb tool, SUITE: tiers_touched_hold. The server's directory is
# under /tmp: the server runs as an unprivileged user, which may not reach the
# build tree (a clone in a mode-0700 directory).
string(RANDOM LENGTH 8 ALPHABET "abcdefghijklmnopqrstuvwxyz0123456789" suffix)
set(DIR "/tmp/testdb-tiers-one-process-${suffix}")
file(MAKE_DIRECTORY "${DIR}")
file(CHMOD "${DIR}" DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
     GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
execute_process(COMMAND "${TOOL}" up --dir "${DIR}" OUTPUT_VARIABLE up RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE_RECURSE "${DIR}")
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
file(REMOVE_RECURSE "${DIR}")
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

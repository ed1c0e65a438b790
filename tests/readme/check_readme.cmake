# Fails unless README.md contains the example test file verbatim, so the
# README's example is the code this directory compiles and runs.
file(READ "${README}" readme)
file(READ "${EXAMPLE}" example)
string(FIND "${readme}" "${example}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md no longer contains ${EXAMPLE} verbatim: copy the file "
                      "into the README's example block (or the file from the README).")
endif()
message(STATUS "README example is in sync with ${EXAMPLE}")

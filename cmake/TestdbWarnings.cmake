# testdb_set_warnings(target): the warning set every testdb target builds with,
# and the sanitizer flags chosen with TESTDB_SANITIZE.
function(testdb_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  if(TESTDB_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(TESTDB_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${TESTDB_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${TESTDB_SANITIZE})
  endif()
endfunction()

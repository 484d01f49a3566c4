# cmake -DMODE=fail|ok -DCOMPILER=<c++> -DFLAGS=<list> -DSOURCE=<file.cpp> -P TypedaoCompileCheck.cmake
#
# MODE=fail: runs the compiler; the ctest's PASS_REGULAR_EXPRESSION then
#   checks that its output holds the expected message. If the file compiles,
#   this prints "typedao-compile-check: UNEXPECTED ..." (the test's
#   FAIL_REGULAR_EXPRESSION), so a file that compiles never passes.
# MODE=ok: the file must compile cleanly, warnings being errors.

if(MODE STREQUAL "ok")
  list(APPEND FLAGS -Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers)
endif()

list(JOIN FLAGS " " _shown)
message(STATUS "${COMPILER} ${_shown} ${SOURCE}")
execute_process(COMMAND "${COMPILER}" ${FLAGS} "${SOURCE}" RESULT_VARIABLE rc)

if(MODE STREQUAL "ok")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "compile check: ${SOURCE} must compile cleanly (exit ${rc})")
  endif()
elseif(rc EQUAL 0)
  message("typedao-compile-check: UNEXPECTED success: ${SOURCE} compiled, but it must fail")
  cmake_language(EXIT 1)
else()
  message(STATUS "compiler exit status ${rc} (the expected-message regex decides)")
endif()

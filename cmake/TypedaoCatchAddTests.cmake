# Runs inside ctest (included from <target>_ctest_include.cmake, see
# TypedaoCatch.cmake): lists the Catch2 test cases and tags of
# TYPEDAO_TEST_EXECUTABLE and adds one test per case. The generated list is
# cached in TYPEDAO_TESTS_FILE until the executable or this script changes.

# ctest reads this without cmake_minimum_required; include() scopes the policies.
cmake_policy(VERSION 3.25)

if(NOT EXISTS "${TYPEDAO_TEST_EXECUTABLE}")
  add_test("${TYPEDAO_TEST_TARGET}_NOT_BUILT" "${TYPEDAO_TEST_TARGET}_NOT_BUILT")
  return()
endif()

if(EXISTS "${TYPEDAO_TESTS_FILE}"
    AND NOT "${TYPEDAO_TEST_EXECUTABLE}" IS_NEWER_THAN "${TYPEDAO_TESTS_FILE}"
    AND NOT "${TYPEDAO_ADD_TESTS_SCRIPT}" IS_NEWER_THAN "${TYPEDAO_TESTS_FILE}"
    AND NOT "${TYPEDAO_INCLUDE_FILE}" IS_NEWER_THAN "${TYPEDAO_TESTS_FILE}")
  include("${TYPEDAO_TESTS_FILE}")
  return()
endif()

# A binary that cannot list its tests becomes one failing test that says so
# (instead of an error that stops ctest from running anything else).
macro(_typedao_discovery_failed why)
  file(REMOVE "${TYPEDAO_TESTS_FILE}")
  add_test("${TYPEDAO_TEST_TARGET}_DISCOVERY_FAILED" "${TYPEDAO_CMAKE_COMMAND}" -E echo
    "Listing the test cases of ${TYPEDAO_TEST_EXECUTABLE} failed: ${why}")
  set_tests_properties("${TYPEDAO_TEST_TARGET}_DISCOVERY_FAILED" PROPERTIES WILL_FAIL TRUE
    LABELS "${TYPEDAO_TEST_LABELS}")
  return()
endmacro()

# CMake lists cannot hold ';' and mis-split around unbalanced '[' ']', both
# legal in test names, so names are kept encoded until they are written out.
function(_typedao_encode out text)
  string(REPLACE "<" "<lt>" text "${text}")
  string(REPLACE ";" "<semi>" text "${text}")
  string(REPLACE "[" "<lb>" text "${text}")
  string(REPLACE "]" "<rb>" text "${text}")
  string(REPLACE "\\" "<bs>" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(_typedao_decode out text)
  string(REPLACE "<bs>" "\\" text "${text}")
  string(REPLACE "<rb>" "]" text "${text}")
  string(REPLACE "<lb>" "[" text "${text}")
  string(REPLACE "<semi>" ";" text "${text}")
  string(REPLACE "<lt>" "<" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# Splits program output into a list of encoded, non-empty lines.
function(_typedao_lines out text)
  _typedao_encode(text "${text}")
  string(REPLACE "\r" "" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  list(REMOVE_ITEM lines "")
  set(${out} "${lines}" PARENT_SCOPE)
endfunction()

# Lists the (encoded) names of the test cases matching the arguments (none: all visible ones).
function(_typedao_list_names out)
  execute_process(
    COMMAND "${TYPEDAO_TEST_EXECUTABLE}" ${ARGN} --list-test-names-only
    WORKING_DIRECTORY "${TYPEDAO_TEST_WORKING_DIR}"
    OUTPUT_VARIABLE output
    ERROR_VARIABLE error
    RESULT_VARIABLE result)
  # Catch2 v2 exits with the number of tests listed, so only a crash counts.
  if(NOT result MATCHES "^[0-9]+$")
    set(${out} "${result}\n${output}\n${error}" PARENT_SCOPE)
    set(${out}_failed TRUE PARENT_SCOPE)
    return()
  endif()
  set(${out}_failed FALSE PARENT_SCOPE)
  _typedao_lines(lines "${output}")
  set(names "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^\"(#.*)\"$") # Catch quotes names that start with '#'
      set(line "${CMAKE_MATCH_1}")
    endif()
    list(APPEND names "${line}")
  endforeach()
  set(${out} "${names}" PARENT_SCOPE)
endfunction()

# Escapes a test name for Catch2's command-line test spec.
function(_typedao_spec_escape out name)
  foreach(c "\\" "," "[" "]" "\"")
    string(REPLACE "${c}" "\\${c}" name "${name}")
  endforeach()
  set(${out} "${name}" PARENT_SCOPE)
endfunction()

# A bracket argument that no test name can close.
function(_typedao_bracket out text)
  set(eq "==")
  while(text MATCHES "]${eq}]")
    string(APPEND eq "=")
  endwhile()
  set(${out} "[${eq}[${text}]${eq}]" PARENT_SCOPE)
endfunction()

_typedao_list_names(all_tests)
if(all_tests_failed)
  _typedao_discovery_failed("${all_tests}")
endif()

execute_process(
  COMMAND "${TYPEDAO_TEST_EXECUTABLE}" --list-tags
  WORKING_DIRECTORY "${TYPEDAO_TEST_WORKING_DIR}"
  OUTPUT_VARIABLE tag_output
  RESULT_VARIABLE tag_result)
_typedao_lines(tag_lines "${tag_output}")
set(tags "")
foreach(line IN LISTS tag_lines)
  # "   3  [pg]" (several spellings of one tag: "   3  [Pg][pg]")
  if(line MATCHES "^ +[0-9]+ +<lb>(.+)$")
    string(REGEX REPLACE "<rb>.*$" "" tag "${CMAKE_MATCH_1}")
    _typedao_decode(tag "${tag}")
    # Hidden ([.]...), special ([!mayfail]) and alias ([@x]) tags are not labels.
    if(NOT tag MATCHES "^[.!@]" AND NOT tag MATCHES ";")
      list(APPEND tags "${tag}")
    endif()
  endif()
endforeach()

# Per test: its labels, in a variable named after an index into all_tests.
list(LENGTH all_tests count)
foreach(tag IN LISTS tags)
  _typedao_spec_escape(spec "${tag}")
  _typedao_list_names(tagged "[${spec}]")
  if(tagged_failed)
    _typedao_discovery_failed("${tagged}")
  endif()
  string(TOLOWER "${tag}" label)
  foreach(name IN LISTS tagged)
    list(FIND all_tests "${name}" i)
    if(i GREATER_EQUAL 0)
      list(APPEND labels_${i} "${label}")
    endif()
  endforeach()
endforeach()

set(script "")
set(i 0)
foreach(encoded IN LISTS all_tests)
  _typedao_decode(name "${encoded}")
  _typedao_spec_escape(spec "${name}")
  _typedao_bracket(q_name "${name}")
  _typedao_bracket(q_spec "${spec}")
  _typedao_bracket(q_exe "${TYPEDAO_TEST_EXECUTABLE}")
  _typedao_bracket(q_dir "${TYPEDAO_TEST_WORKING_DIR}")
  set(labels ${TYPEDAO_TEST_LABELS} ${labels_${i}})
  list(REMOVE_DUPLICATES labels)
  # --warn NoTests: a name that matches no test case fails instead of passing.
  string(APPEND script "add_test(${q_name} ${q_exe} ${q_spec} --warn NoTests)\n")
  string(APPEND script "set_tests_properties(${q_name} PROPERTIES WORKING_DIRECTORY ${q_dir}")
  if(labels)
    _typedao_bracket(q_labels "${labels}")
    string(APPEND script " LABELS ${q_labels}")
  endif()
  foreach(p IN LISTS TYPEDAO_TEST_PROPERTIES)
    _typedao_bracket(q_p "${p}")
    string(APPEND script " ${q_p}")
  endforeach()
  string(APPEND script ")\n")
  math(EXPR i "${i} + 1")
endforeach()

if(count EQUAL 0)
  message(WARNING "${TYPEDAO_TEST_EXECUTABLE} has no test cases")
endif()

file(WRITE "${TYPEDAO_TESTS_FILE}" "${script}")
include("${TYPEDAO_TESTS_FILE}")

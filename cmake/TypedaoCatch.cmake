# typedao_catch_discover_tests(<target> [LABELS <label>...] [PROPERTIES <name> <value>...])
#
# Registers every Catch2 test case of <target> as its own ctest, like
# Catch2's catch_discover_tests, with two differences that matter here:
#  - discovery runs when ctest runs (like CMake's gtest DISCOVERY_MODE
#    PRE_TEST), never at build time, so a sanitizer build never executes test
#    binaries while building; the list is cached until the binary changes;
#  - each test case's Catch2 tags become ctest labels (`[pg][dao]` -> pg, dao),
#    added to LABELS, so `ctest -L dao` selects by tag.
# Catch2 v2.13's Catch.cmake offers neither (no DISCOVERY_MODE, no tag labels).
# Single-configuration generators only (Ninja, Makefiles).

set(_TYPEDAO_CATCH_ADD_TESTS_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/TypedaoCatchAddTests.cmake")

function(typedao_catch_discover_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "LABELS;PROPERTIES")
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_ctest_include.cmake")
  set(tests_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_ctest_tests.cmake")
  file(GENERATE OUTPUT "${include_file}" CONTENT
"set(TYPEDAO_TEST_TARGET [==[${target}]==])
set(TYPEDAO_TEST_EXECUTABLE [==[$<TARGET_FILE:${target}>]==])
set(TYPEDAO_TEST_WORKING_DIR [==[${CMAKE_CURRENT_BINARY_DIR}]==])
set(TYPEDAO_TEST_LABELS [==[${arg_LABELS}]==])
set(TYPEDAO_TEST_PROPERTIES [==[${arg_PROPERTIES}]==])
set(TYPEDAO_TESTS_FILE [==[${tests_file}]==])
set(TYPEDAO_ADD_TESTS_SCRIPT [==[${_TYPEDAO_CATCH_ADD_TESTS_SCRIPT}]==])
set(TYPEDAO_INCLUDE_FILE [==[${include_file}]==])
set(TYPEDAO_CMAKE_COMMAND [==[${CMAKE_COMMAND}]==])
include([==[${_TYPEDAO_CATCH_ADD_TESTS_SCRIPT}]==])
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()

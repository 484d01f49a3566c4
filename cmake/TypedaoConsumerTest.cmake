# cmake -DMODE=find_package|add_subdirectory -DSOURCE_DIR=<repo> -DBUILD_DIR=<typedao build>
#       -DWORK_DIR=<scratch> -DGENERATOR=<gen> [-DMAKE_PROGRAM=..] -DCXX=<c++> [-DBUILD_TYPE=..]
#       -P TypedaoConsumerTest.cmake
#
# Configures, builds and runs tests/consumer the way a user would:
#   find_package:      `cmake --install <typedao build> --prefix <scratch>/prefix`, then
#                      find_package(typedao) with CMAKE_PREFIX_PATH=<scratch>/prefix
#   add_subdirectory:  add_subdirectory(<repo>)
# Exits 77 (the test's SKIP_RETURN_CODE) while the umbrella header does not exist yet.

if(NOT EXISTS "${SOURCE_DIR}/include/typedao/typedao.hpp")
  message("consumer test skipped: include/typedao/typedao.hpp does not exist yet")
  cmake_language(EXIT 77)
endif()

function(run what)
  list(JOIN ARGN " " shown)
  message(STATUS "${what}: ${shown}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer test (${MODE}): ${what} failed (${rc})")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(configure_args
  -S "${SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/build" -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CXX}"
  "-DTYPEDAO_CONSUMER_MODE=${MODE}")
if(MAKE_PROGRAM)
  list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(BUILD_TYPE)
  list(APPEND configure_args "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
endif()

if(MODE STREQUAL "find_package")
  run(install "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
  list(APPEND configure_args
    "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
elseif(MODE STREQUAL "add_subdirectory")
  list(APPEND configure_args "-DTYPEDAO_SOURCE_DIR=${SOURCE_DIR}")
else()
  message(FATAL_ERROR "MODE must be find_package or add_subdirectory, not '${MODE}'")
endif()

run(configure "${CMAKE_COMMAND}" ${configure_args})
run(build "${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
run(run "${WORK_DIR}/build/typedao_consumer")

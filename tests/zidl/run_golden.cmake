# Runs zidlc on one schema and compares every output byte for byte with the
# expected files in EXPECTED_DIR; prints a unified diff on a mismatch.
#
#   cmake -DZIDLC=... -DSCHEMA=... -DEXPECTED_DIR=... -DOUT_DIR=... [-DSKELETON=ON]
#         -P run_golden.cmake
#
# With the environment variable ZIDL_UPDATE_GOLDEN=1 it rewrites the
# expected files that differ (and removes those zidlc no longer writes),
# then fails, naming them, so that an update never passes unnoticed: review
# the change with git diff and run again without the variable. It passes
# only when nothing had to change. Under CI (the environment variable CI
# set, e.g. CI=true) the update mode is refused: CI checks, it never
# rewrites.
cmake_minimum_required(VERSION 3.20) # script mode: IN_LIST and today's policies
file(REMOVE_RECURSE "${OUT_DIR}")
set(args -o "${OUT_DIR}")
if(SKELETON)
  list(APPEND args --skeleton)
endif()
execute_process(COMMAND "${ZIDLC}" ${args} "${SCHEMA}"
                RESULT_VARIABLE status ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "zidlc failed (${status}):\n${errors}")
endif()

file(GLOB produced RELATIVE "${OUT_DIR}" "${OUT_DIR}/*")
file(GLOB expected LIST_DIRECTORIES false RELATIVE "${EXPECTED_DIR}" "${EXPECTED_DIR}/*")
list(FILTER expected EXCLUDE REGEX "\\.zidl$")

if(DEFINED ENV{ZIDL_UPDATE_GOLDEN} AND "$ENV{ZIDL_UPDATE_GOLDEN}" STREQUAL "1")
  if(NOT "$ENV{CI}" STREQUAL "" AND NOT "$ENV{CI}" MATCHES "^(0|[Ff][Aa][Ll][Ss][Ee]|[Nn][Oo]|[Oo][Ff][Ff])$")
    message(FATAL_ERROR "ZIDL_UPDATE_GOLDEN=1 is refused under CI (CI=$ENV{CI}): "
                        "golden files are rewritten only by hand; unset ZIDL_UPDATE_GOLDEN")
  endif()
  set(rewritten "")
  foreach(name IN LISTS produced)
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files
                            "${EXPECTED_DIR}/${name}" "${OUT_DIR}/${name}"
                    RESULT_VARIABLE different OUTPUT_QUIET ERROR_QUIET)
    if(different)
      file(COPY_FILE "${OUT_DIR}/${name}" "${EXPECTED_DIR}/${name}")
      list(APPEND rewritten "${name}")
    endif()
  endforeach()
  foreach(name IN LISTS expected)
    if(NOT name IN_LIST produced)
      file(REMOVE "${EXPECTED_DIR}/${name}")
      list(APPEND rewritten "${name} (removed)")
    endif()
  endforeach()
  if(rewritten)
    list(JOIN rewritten ", " rewritten)
    message(FATAL_ERROR "ZIDL_UPDATE_GOLDEN=1: rewrote ${rewritten} in ${EXPECTED_DIR}; "
                        "review with git diff, then run again without ZIDL_UPDATE_GOLDEN")
  endif()
  message(STATUS "ZIDL_UPDATE_GOLDEN=1: the golden files in ${EXPECTED_DIR} were up to date")
  return()
endif()

list(SORT expected)
list(SORT produced)
if(NOT expected STREQUAL produced)
  message(FATAL_ERROR "outputs differ: expected [${expected}], got [${produced}]")
endif()
set(failed FALSE)
foreach(name IN LISTS expected)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files
                          "${EXPECTED_DIR}/${name}" "${OUT_DIR}/${name}"
                  RESULT_VARIABLE different)
  if(different)
    set(failed TRUE)
    execute_process(COMMAND diff -u "${EXPECTED_DIR}/${name}" "${OUT_DIR}/${name}")
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "generated code differs from the golden files (see the diff above)")
endif()

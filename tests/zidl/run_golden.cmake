# Runs zidlc on one schema and compares every output byte for byte with the
# expected files in EXPECTED_DIR; prints a unified diff on a mismatch.
#
#   cmake -DZIDLC=... -DSCHEMA=... -DEXPECTED_DIR=... -DOUT_DIR=... [-DSKELETON=ON]
#         -P run_golden.cmake
#
# With the environment variable ZIDL_UPDATE_GOLDEN=1 it rewrites the
# expected files instead (review the change with git diff).
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
if(DEFINED ENV{ZIDL_UPDATE_GOLDEN} AND "$ENV{ZIDL_UPDATE_GOLDEN}" STREQUAL "1")
  foreach(name IN LISTS produced)
    file(COPY_FILE "${OUT_DIR}/${name}" "${EXPECTED_DIR}/${name}")
  endforeach()
  return()
endif()

file(GLOB expected LIST_DIRECTORIES false RELATIVE "${EXPECTED_DIR}" "${EXPECTED_DIR}/*")
list(FILTER expected EXCLUDE REGEX "\\.zidl$")
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

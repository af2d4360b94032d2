# Runs zidlc on a schema that must be rejected: exit status 1, stderr equal
# to the .expected file byte for byte, and no output file written.
#
#   cmake -DZIDLC=... -DCASE_DIR=... -DCASE=name -DOUT_DIR=... -P run_error.cmake
#
# zidlc runs inside CASE_DIR with a relative file name, so the expected
# diagnostics do not depend on where the tree is checked out.
file(REMOVE_RECURSE "${OUT_DIR}")
execute_process(COMMAND "${ZIDLC}" -o "${OUT_DIR}" "${CASE}.zidl"
                WORKING_DIRECTORY "${CASE_DIR}"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 1)
  message(FATAL_ERROR "expected exit status 1, got '${status}'\n${err}")
endif()
file(READ "${CASE_DIR}/${CASE}.expected" expected)
if(NOT err STREQUAL expected)
  file(WRITE "${OUT_DIR}.stderr" "${err}")
  execute_process(COMMAND diff -u "${CASE_DIR}/${CASE}.expected" "${OUT_DIR}.stderr")
  message(FATAL_ERROR "stderr differs from ${CASE}.expected (see the diff above)")
endif()
if(EXISTS "${OUT_DIR}")
  message(FATAL_ERROR "zidlc created '${OUT_DIR}' although it failed")
endif()
if(NOT out STREQUAL "")
  message(FATAL_ERROR "unexpected output on stdout:\n${out}")
endif()

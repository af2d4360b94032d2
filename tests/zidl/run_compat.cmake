# Runs `zidlc --check-compat OLD NEW` on one case of tests/zidl/compat/:
# stderr must equal the case's `expected` byte for byte; the exit status
# is 0 when it is empty, else 1; stdout stays empty.
#
#   cmake -DZIDLC=... -DCASE_DIR=... -DOLD=... -DNEW=... -P run_compat.cmake
#
# zidlc runs inside CASE_DIR with relative file names, so the expected
# diagnostics do not depend on where the tree is checked out.
execute_process(COMMAND "${ZIDLC}" --check-compat "${OLD}" "${NEW}"
                WORKING_DIRECTORY "${CASE_DIR}"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(READ "${CASE_DIR}/expected" expected)
if(expected STREQUAL "")
  set(want 0)
else()
  set(want 1)
endif()
if(NOT status EQUAL want)
  message(FATAL_ERROR "expected exit status ${want}, got '${status}'\n${err}")
endif()
if(NOT err STREQUAL expected)
  file(WRITE "${CASE_DIR}/expected.actual" "${err}")
  execute_process(COMMAND diff -u "${CASE_DIR}/expected" "${CASE_DIR}/expected.actual")
  file(REMOVE "${CASE_DIR}/expected.actual")
  message(FATAL_ERROR "stderr differs from expected (see the diff above)")
endif()
if(NOT out STREQUAL "")
  message(FATAL_ERROR "unexpected output on stdout:\n${out}")
endif()

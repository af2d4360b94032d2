# Runs zidlc on a schema that is valid but draws warnings, three ways:
#  - plain: exit status 0, stderr equal to the .expected file byte for byte,
#    and the outputs written;
#  - with -Werror: exit status 1, each warning reported as an error (the
#    same text with "error:" and " [-Werror]"), and nothing written;
#  - with -w: exit status 0 and nothing on stderr.
#
#   cmake -DZIDLC=... -DCASE_DIR=... -DCASE=name -DOUT_DIR=... -P run_warning.cmake
file(REMOVE_RECURSE "${OUT_DIR}")
file(READ "${CASE_DIR}/${CASE}.expected" expected)

function(run_zidlc out_dir)
  execute_process(COMMAND "${ZIDLC}" -o "${out_dir}" ${ARGN} "${CASE}.zidl"
                  WORKING_DIRECTORY "${CASE_DIR}"
                  RESULT_VARIABLE status ERROR_VARIABLE err)
  set(status "${status}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

function(expect_stderr what wanted)
  if(NOT err STREQUAL wanted)
    file(WRITE "${OUT_DIR}.wanted" "${wanted}")
    file(WRITE "${OUT_DIR}.stderr" "${err}")
    execute_process(COMMAND diff -u "${OUT_DIR}.wanted" "${OUT_DIR}.stderr")
    message(FATAL_ERROR "${what}: stderr differs (see the diff above)")
  endif()
endfunction()

run_zidlc("${OUT_DIR}/plain")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "plain: expected exit status 0, got '${status}'\n${err}")
endif()
if(expected STREQUAL "")
  message(FATAL_ERROR "${CASE}.expected is empty: a warning case must warn")
endif()
expect_stderr("plain" "${expected}")
if(NOT EXISTS "${OUT_DIR}/plain/${CASE}.zidl.h" OR NOT EXISTS "${OUT_DIR}/plain/${CASE}.zidl.c")
  message(FATAL_ERROR "plain: a warning must not stop the outputs")
endif()

run_zidlc("${OUT_DIR}/werror" -Werror)
if(NOT status EQUAL 1)
  message(FATAL_ERROR "-Werror: expected exit status 1, got '${status}'\n${err}")
endif()
string(REGEX REPLACE ": warning: ([^\n]*)\n" ": error: \\1 [-Werror]\n" promoted "${expected}")
expect_stderr("-Werror" "${promoted}")
if(EXISTS "${OUT_DIR}/werror")
  message(FATAL_ERROR "-Werror: zidlc wrote outputs although a warning became an error")
endif()

run_zidlc("${OUT_DIR}/quiet" -w)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "-w: expected exit status 0, got '${status}'\n${err}")
endif()
expect_stderr("-w" "")

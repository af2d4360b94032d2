# Replays every file of REGRESSIONS_DIR (inputs that once made the fuzzer
# fail, and hand-written tricky ones) through RUNNER: the libFuzzer binary
# (each file named runs once) or zidl_fuzz_replay. Globbed here, when the
# test runs, so that a file added to the folder is replayed without
# reconfiguring; an empty or missing folder is a failure, not a pass.
#
#   cmake -DRUNNER=... -DREGRESSIONS_DIR=... -P run_regressions.cmake
cmake_minimum_required(VERSION 3.20)
file(GLOB inputs LIST_DIRECTORIES false "${REGRESSIONS_DIR}/*")
list(SORT inputs)
if(NOT inputs)
  message(FATAL_ERROR "no regression inputs in ${REGRESSIONS_DIR}")
endif()
list(LENGTH inputs count)
execute_process(COMMAND "${RUNNER}" ${inputs} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "replaying the ${count} regression inputs failed (status ${status})")
endif()
message(STATUS "${count} regression inputs replayed")

# Runs a libFuzzer target (wire_fuzz.c, node_fuzz.c) SECONDS seconds from an
# empty corpus in WORK_DIR; a crash, leak or abort fails the test and
# leaves its input in WORK_DIR.
#
#   cmake -DFUZZER=... -DWORK_DIR=... -DSECONDS=30 -P run_wire_fuzz.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/corpus")
execute_process(COMMAND "${FUZZER}" -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
                        -max_len=4096 -print_final_stats=1 "-artifact_prefix=${WORK_DIR}/"
                        "${WORK_DIR}/corpus"
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${FUZZER} found a problem (status ${status}); see ${WORK_DIR}")
endif()

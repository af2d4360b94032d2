# Runs the zidl fuzzer for SECONDS from a fresh corpus: the examples, every
# schema of the tests, the multi-file seeds and the regression inputs. Fails on any crash, leak,
# timeout or sanitizer report (libFuzzer then writes the input into
# WORK_DIR/artifacts: keep it in regressions/ once fixed).
#
#   cmake -DFUZZER=... -DSOURCE_DIR=<repo> -DSECONDS=60 -DWORK_DIR=... -P run_fuzz.cmake
file(REMOVE_RECURSE "${WORK_DIR}/corpus")
file(MAKE_DIRECTORY "${WORK_DIR}/corpus" "${WORK_DIR}/artifacts")
file(GLOB_RECURSE seeds "${SOURCE_DIR}/examples/*.zidl" "${SOURCE_DIR}/tests/zidl/*.zidl"
     "${SOURCE_DIR}/tests/zidl/fuzz/seeds/*" "${SOURCE_DIR}/tests/zidl/fuzz/regressions/*")
set(n 0)
foreach(seed IN LISTS seeds)
  math(EXPR n "${n} + 1")
  get_filename_component(name "${seed}" NAME)
  configure_file("${seed}" "${WORK_DIR}/corpus/${n}-${name}" COPYONLY)
endforeach()
execute_process(COMMAND "${FUZZER}" -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
                        -max_len=8192 -print_final_stats=1
                        "-artifact_prefix=${WORK_DIR}/artifacts/" "${WORK_DIR}/corpus"
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the fuzzer found a problem (status ${status}); see ${WORK_DIR}/artifacts")
endif()

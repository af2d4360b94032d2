# A bench smoke test: runs one benchmark program with tiny counts and fails
# unless it exits 0 and prints a RESULT line with a number for every
# expected workload:metric pair. (PASS_REGULAR_EXPRESSION alone would
# ignore the exit status, and with it a sanitizer's report at exit.)
# usage: cmake -DPROGRAM=<exe> -DARGS="<args>" -DEXPECT="W:m,W:m..." -P smoke.cmake
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND "${PROGRAM}" ${args}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} ${ARGS} exited with ${status}\n${out}${err}")
endif()
string(REPLACE "," ";" expected "${EXPECT}")
foreach(pair IN LISTS expected)
  string(REPLACE ":" ";" parts "${pair}")
  list(GET parts 0 workload)
  list(GET parts 1 metric)
  set(line "\nRESULT workload=${workload} system=zactor metric=${metric} value=-?[0-9]+(\\.[0-9]+)?\n")
  if(NOT "\n${out}" MATCHES "${line}")
    message(FATAL_ERROR "${PROGRAM} ${ARGS}: no RESULT line for workload ${workload} "
                        "metric ${metric}\n${out}${err}")
  endif()
endforeach()
message(STATUS "${PROGRAM}: exit 0, RESULT lines: ${EXPECT}")

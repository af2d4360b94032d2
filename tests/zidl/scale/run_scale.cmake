# The scale test: a generated schema with 5,000 messages and 500 actors
# (ten messages each) must compile with zidlc, without a warning, and the
# generated C must compile cleanly (-Wall -Wextra -Werror) into an object.
# Not timed here: tests/zidl/scale/time_zidlc prints zidlc's time.
#
#   cmake -DZIDLC=... -DCC=... -DSOURCE_DIR=<repo> -DWORK_DIR=...
#         -DRT_GENERATED_INCLUDE=<build>/runtime/include (zactor/version.h) -P run_scale.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
execute_process(COMMAND ${CMAKE_COMMAND} -DOUTPUT=${WORK_DIR}/scale.zidl
                        -P ${SOURCE_DIR}/tests/zidl/scale/gen_scale.cmake
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "generating the schema failed")
endif()
execute_process(COMMAND "${ZIDLC}" -Werror -o "${WORK_DIR}/gen" "${WORK_DIR}/scale.zidl"
                RESULT_VARIABLE status ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "zidlc failed on the large schema (${status}):\n${err}")
endif()
file(STRINGS "${WORK_DIR}/gen/scale.zidl.h" sends REGEX "^int scale_Actor[0-9]+_send_Msg[0-9]+\\(")
list(LENGTH sends send_count)
if(NOT send_count EQUAL 5000)
  message(FATAL_ERROR "expected 5000 send functions, found ${send_count}")
endif()
# -Wno-misleading-indentation: gcc's check of it grows with the square of
# the file's size (gcc 12: 5 s of -fsyntax-only on the 2 MB file of 1,000
# messages, 0.2 s without it; most of ten minutes on this one). The
# generator's indentation is fixed by the golden tests anyway.
execute_process(COMMAND "${CC}" -std=c11 -Wall -Wextra -Werror -Wno-misleading-indentation -c
                        -I "${WORK_DIR}/gen" -I "${SOURCE_DIR}/runtime/include"
                        -I "${RT_GENERATED_INCLUDE}"
                        "${WORK_DIR}/gen/scale.zidl.c" -o "${WORK_DIR}/scale.o"
                RESULT_VARIABLE status ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the generated C does not compile (${status}):\n${err}")
endif()

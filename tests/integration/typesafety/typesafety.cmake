# Sending a message the target does not accept is a compile error, and so is
# sending through the ref of another actor type. A control compile of the
# right call must succeed, so the failures cannot come from the set-up.
#   cmake -DCC=... -DZIDLC=... -DSOURCE_DIR=... -DWORK_DIR=...
#         -DRT_GENERATED_INCLUDE=<build>/runtime/include (zactor/version.h) -P typesafety.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
execute_process(COMMAND "${ZIDLC}" -o "${WORK_DIR}" "${SOURCE_DIR}/examples/pingpong/pingpong.zidl"
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "zidlc failed on pingpong.zidl")
endif()

function(try_compile_case define expect_ok pattern)
  execute_process(
    COMMAND "${CC}" -std=c11 -pedantic-errors -Wall -Werror -fsyntax-only
            -D${define} -I "${WORK_DIR}" -I "${SOURCE_DIR}/runtime/include"
            -I "${RT_GENERATED_INCLUDE}"
            "${SOURCE_DIR}/tests/integration/typesafety/sends.c"
    RESULT_VARIABLE status ERROR_VARIABLE err)
  if(expect_ok AND NOT status EQUAL 0)
    message(FATAL_ERROR "${define}: the correct send does not compile:\n${err}")
  endif()
  if(NOT expect_ok)
    if(status EQUAL 0)
      message(FATAL_ERROR "${define}: compiled, but it must not")
    endif()
    if(NOT err MATCHES "${pattern}")
      message(FATAL_ERROR "${define}: failed for another reason than expected:\n${err}")
    endif()
  endif()
endfunction()

try_compile_case(SEND_OK TRUE "")
try_compile_case(SEND_UNACCEPTED FALSE "implicit declaration of function.*pingpong_Ponger_send_Pong")
try_compile_case(SEND_WRONG_REF FALSE "incompatible type|passing.*pingpong_Pinger_ref")
message(STATUS "unaccepted messages and wrong refs are compile errors")

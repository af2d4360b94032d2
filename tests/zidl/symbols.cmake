# Every symbol libzidl defines for the linker starts with "zidl": a program
# that links it may have its own bison parser and flex scanner (yyparse,
# yylex, yy_scan_bytes...) or its own helpers. Sanitizer builds add their
# own symbols (__asan_*, __ubsan_*, *.odr_*), which are not ours.
#   cmake -DNM=<nm> -DLIBRARY=<libzidl.a> -P symbols.cmake
execute_process(COMMAND ${NM} -g --defined-only ${LIBRARY}
                OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "symbols: ${NM} failed on ${LIBRARY}")
endif()
string(REPLACE "\n" ";" lines "${listing}")
set(foreign "")
set(ours 0)
foreach(line IN LISTS lines)
  # "<address> <type> <name>"; file headers and blank lines have no type.
  if(line MATCHES "^[0-9a-fA-F]* *[A-Za-z] ([^ ]+)$")
    set(name "${CMAKE_MATCH_1}")
    if(name MATCHES "^zidl")
      math(EXPR ours "${ours} + 1")
    elseif(NOT name MATCHES "^(__asan|__ubsan|__odr_asan|__sancov|__tsan)|\\.odr_")
      list(APPEND foreign "${name}")
    endif()
  endif()
endforeach()
if(foreign)
  list(JOIN foreign ", " names)
  message(FATAL_ERROR "symbols: libzidl defines names outside the zidl prefix: ${names}")
endif()
if(ours EQUAL 0)
  message(FATAL_ERROR "symbols: no zidl symbol found in ${LIBRARY}: is it the library?")
endif()
message(STATUS "symbols: all ${ours} symbols of libzidl start with zidl")

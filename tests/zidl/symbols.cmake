# libzidl's public surface is zidl/zidl.h. Every symbol it defines for the
# linker is either declared there, or internal and prefixed so that no
# program linking it can collide with it: zidl__ for what the files of
# zidl/src share (as libuv's uv__), zidl_yy for bison's parser and flex's
# scanner (a program may have its own yyparse, yylex, yy_scan_bytes...).
# A name like zidl_strbuf_init is neither: it reads as public API.
# Sanitizer builds add their own symbols (__asan_*, __ubsan_*, *.odr_*),
# which are not ours.
#   cmake -DNM=<nm> -DLIBRARY=<libzidl.a> -DHEADER=<zidl/zidl.h> -P symbols.cmake
execute_process(COMMAND ${NM} -g --defined-only ${LIBRARY}
                OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "symbols: ${NM} failed on ${LIBRARY}")
endif()
file(READ ${HEADER} header)
string(REPLACE "\n" ";" lines "${listing}")
set(stray "")
set(public 0)
set(internal 0)
foreach(line IN LISTS lines)
  # "<address> <type> <name>"; file headers and blank lines have no type.
  if(line MATCHES "^[0-9a-fA-F]* *[A-Za-z] ([^ ]+)$")
    set(name "${CMAKE_MATCH_1}")
    if(name MATCHES "^(zidl__|zidl_yy)")
      math(EXPR internal "${internal} + 1")
    elseif(name MATCHES "^(__asan|__ubsan|__odr_asan|__sancov|__tsan)|\\.odr_")
    elseif(header MATCHES "[ *]${name}\\(")
      # A function declared in zidl.h (zidl.h declares no variables).
      math(EXPR public "${public} + 1")
    else()
      list(APPEND stray "${name}")
    endif()
  endif()
endforeach()
if(stray)
  list(LENGTH stray n)
  list(JOIN stray ", " names)
  message(FATAL_ERROR "symbols: libzidl defines ${n} names that zidl.h does not declare "
                      "and that lack the internal prefix zidl__ (or zidl_yy): ${names}")
endif()
if(public EQUAL 0)
  message(FATAL_ERROR "symbols: no function of zidl.h found in ${LIBRARY}: is it the library?")
endif()
message(STATUS "symbols: ${public} public (zidl.h), ${internal} internal (zidl__, zidl_yy)")

# zidl.h promises that libzidl never prints and never exits: diagnostics
# go to the on_diagnostic callback, running out of memory and broken
# invariants are results (ZIDL_ENOMEM, ZIDL_EINTERNAL). This looks at
# what the library's objects import: a call of abort(), exit(), printf()
# and kin, or any use of stderr, shows up there however it is spelt in the
# source (printf("x\n") compiles to puts, fprintf(stderr, "x") to fwrite
# on stderr, _FORTIFY_SOURCE to __fprintf_chk; an assert() to
# __assert_fail). zidlc.c, the command line, may print: it is not in the
# library. fwrite() itself is allowed: output.c writes the generated files.
#   cmake -DNM=<nm> -DLIBRARY=<libzidl.a> [-DUNOPTIMIZED=ON] -P never_prints.cmake
#
# Two exceptions, both flex's, in scanner.c.o: flex sets its yyout to
# stdout (never written: scanner.l has no default rule and an empty ECHO),
# and it always defines yy_fatal_error() (print, exit), which scanner.l's
# YY_FATAL_ERROR no longer calls. An optimising build drops that dead
# function, so there its imports are errors; an unoptimised gcc build
# (UNOPTIMIZED) keeps it, and there they are allowed in scanner.c.o.
execute_process(COMMAND ${NM} -A ${LIBRARY} OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "never_prints: ${NM} failed on ${LIBRARY}")
endif()
set(forbidden
    abort exit _exit _Exit quick_exit
    printf vprintf fprintf vfprintf dprintf vdprintf puts fputs putchar putc fputc
    perror psignal err errx warn warnx verr verrx vwarn vwarnx error
    __printf_chk __fprintf_chk __vprintf_chk __vfprintf_chk __dprintf_chk
    __assert_fail __assert_perror_fail __assert
    stderr stdout)
list(JOIN forbidden "|" forbidden_re)
string(REPLACE "\n" ";" lines "${listing}")
set(found "")
set(objects 0)
foreach(line IN LISTS lines)
  # "<archive>:<object>: U <name>" for what an object imports.
  if(line MATCHES "^[^:]*:([^:]+): +U (${forbidden_re})(@.*)?$")
    set(object "${CMAKE_MATCH_1}")
    set(name "${CMAKE_MATCH_2}")
    if(object STREQUAL "scanner.c.o" AND name STREQUAL "stdout")
      continue()
    endif()
    if(UNOPTIMIZED AND object STREQUAL "scanner.c.o"
       AND name MATCHES "^(exit|fprintf|__fprintf_chk|stderr)$")
      continue()
    endif()
    list(APPEND found "${object}: ${name}")
  elseif(line MATCHES "^[^:]*:([^:]+): *[0-9a-fA-F]+ [Tt] ")
    math(EXPR objects "${objects} + 1")
  endif()
endforeach()
if(found)
  list(JOIN found ", " names)
  message(FATAL_ERROR "never_prints: libzidl prints or exits: ${names}")
endif()
if(objects EQUAL 0)
  message(FATAL_ERROR "never_prints: no function found in ${LIBRARY}: is it the library?")
endif()
message(STATUS "never_prints: no object of libzidl prints or exits")

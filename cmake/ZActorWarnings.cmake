# Warnings and sanitizers shared by every target the project builds.
# zactor_target_defaults(<target>) applies them to one target.
set(ZACTOR_WARNING_FLAGS -Wall -Wextra -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wformat=2 -Wvla)
set(ZACTOR_CXX_WARNING_FLAGS -Wall -Wextra -Wshadow)

function(zactor_target_defaults target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C>:${ZACTOR_WARNING_FLAGS}>
    $<$<COMPILE_LANGUAGE:CXX>:${ZACTOR_CXX_WARNING_FLAGS}>)
  if(ZACTOR_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(ZACTOR_SANITIZE)
  # The runtime checks its protocol's invariants in the sanitizer builds
  # (ZACTOR__INVARIANT, runtime/src/platform.h).
  add_compile_definitions(ZACTOR_INVARIANTS=1)
  add_compile_options(-fsanitize=${ZACTOR_SANITIZE} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${ZACTOR_SANITIZE})
  if(ZACTOR_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=all)
  endif()
endif()

# scripts/coverage: every target, the library and the tests alike, counts
# its lines and branches for gcov. At -O0 (the script builds Debug), so
# that a line's count is that line's, not what the optimiser merged; the
# counters are updated atomically, since workers run the same lines at once
# (plain increments race and leave counts gcov refuses as negative).
if(ZACTOR_COVERAGE)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "ZACTOR_COVERAGE needs gcc (gcov data for gcovr)")
  endif()
  add_compile_options(--coverage -fprofile-update=atomic)
  add_link_options(--coverage)
endif()

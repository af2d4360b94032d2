# Generated code is wrapped at 100 columns, as a careful person would
# write it (zidl/src/wrap.c): every line of every golden output fits.
# Exempt: the `///` doc comments, copied as the schema's author wrote
# them, and the #error line of the version check (its message is one
# string the preprocessor prints as is; it belongs to that check).
#   cmake -DGOLDEN_DIR=<tests/zidl/golden> [-DLIMIT=100] -P line_length.cmake
if(NOT LIMIT)
  set(LIMIT 100)
endif()
file(GLOB_RECURSE outputs ${GOLDEN_DIR}/*.zidl.h ${GOLDEN_DIR}/*.zidl.c ${GOLDEN_DIR}/*_actors.c)
set(long "")
list(LENGTH outputs count)
foreach(output IN LISTS outputs)
  file(READ ${output} text)
  # Only lengths matter: characters special to a CMake list become '.'.
  string(REGEX REPLACE "[][;\\]" "." text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  set(number 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    string(LENGTH "${line}" length)
    if(length GREATER LIMIT AND NOT line MATCHES "^ *///" AND NOT line MATCHES "^#error ")
      file(RELATIVE_PATH name ${GOLDEN_DIR} ${output})
      list(APPEND long "${name}:${number} (${length} columns)")
    endif()
  endforeach()
endforeach()
if(count EQUAL 0)
  message(FATAL_ERROR "line_length: no generated file under ${GOLDEN_DIR}")
endif()
if(long)
  list(JOIN long "\n  " where)
  message(FATAL_ERROR "line_length: generated lines longer than ${LIMIT} columns:\n  ${where}")
endif()
message(STATUS "line_length: every line of ${count} generated files fits in ${LIMIT} columns")

# Builds depfile_project with a given generator and checks that the build
# follows the schemas it reads: touching the imported schema reruns zidlc
# and rebuilds the target, an untouched rebuild does nothing, and a new
# import adds the imported schema's generated .c to the target.
#
#   cmake -DZIDLC=... -DSOURCE_DIR=<repo> -DWORK_DIR=... -DGENERATOR=...
#         -DRT_GENERATED_INCLUDE=<build>/runtime/include (zactor/version.h) -P run_depfile_project.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
file(COPY "${SOURCE_DIR}/tests/zidl/depfile_project/" DESTINATION "${WORK_DIR}/src")
set(build "${WORK_DIR}/build")

execute_process(COMMAND ${CMAKE_COMMAND} -S "${WORK_DIR}/src" -B "${build}" -G "${GENERATOR}"
                        -DZIDLC=${ZIDLC} -DZACTOR_SOURCE_DIR=${SOURCE_DIR}
                        -DZACTOR_RT_GENERATED_INCLUDE_DIR=${RT_GENERATED_INCLUDE}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "configure failed:\n${out}")
endif()

# Builds; `log` gets the output.
function(build_project what)
  execute_process(COMMAND ${CMAKE_COMMAND} --build "${build}"
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${what}: build failed:\n${out}")
  endif()
  set(log "${out}" PARENT_SCOPE)
endfunction()

function(expect_ran what pattern)
  if(NOT log MATCHES "${pattern}")
    message(FATAL_ERROR "${what}: expected '${pattern}' in the build output:\n${log}")
  endif()
endfunction()

function(expect_nothing_done what)
  if(log MATCHES "zidlc top.zidl" OR log MATCHES "[Bb]uilding C object" OR
     log MATCHES "\\.c\\.o")
    message(FATAL_ERROR "${what}: the build did something:\n${log}")
  endif()
endfunction()

# Changes the modification time without relying on a coarse clock.
function(touch_later file)
  execute_process(COMMAND ${CMAKE_COMMAND} -E sleep 1.1)
  file(TOUCH "${file}")
endfunction()

build_project("first build")
expect_ran("first build" "zidlc top.zidl")
foreach(name IN ITEMS top common)
  if(NOT EXISTS "${build}/zidl/app/${name}.zidl.c")
    message(FATAL_ERROR "${name}.zidl.c was not generated")
  endif()
endforeach()
expect_ran("first build" "common\\.zidl\\.c")

build_project("untouched rebuild")
expect_nothing_done("untouched rebuild")

touch_later("${WORK_DIR}/src/schema/shared/common.zidl")
build_project("rebuild after touching the import")
expect_ran("rebuild after touching the import" "zidlc top.zidl")
expect_ran("rebuild after touching the import" "main\\.c")

build_project("untouched rebuild after the change")
expect_nothing_done("untouched rebuild after the change")

# A new import: configure learns the new output, the build compiles it.
touch_later("${WORK_DIR}/src/schema/top.zidl")
file(WRITE "${WORK_DIR}/src/schema/top.zidl"
     "package shop;\nimport \"common.zidl\";\nimport \"extra.zidl\";\n"
     "message Order { common.Item item; u32 count; extra.Note note; }\nactor Till { on Order; }\n")
build_project("rebuild after adding an import")
expect_ran("rebuild after adding an import" "extra\\.zidl\\.c")
if(NOT EXISTS "${build}/zidl/app/extra.zidl.h")
  message(FATAL_ERROR "extra.zidl.h was not generated")
endif()
build_project("untouched rebuild after the new import")
expect_nothing_done("untouched rebuild after the new import")

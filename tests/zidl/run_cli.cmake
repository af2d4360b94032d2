# Command-line behaviour of zidlc, one CASE per test.
#
#   cmake -DZIDLC=... -DCASE=... -DSCHEMA_DIR=... -DWORK_DIR=... -P run_cli.cmake
cmake_minimum_required(VERSION 3.20)

function(run)
  execute_process(COMMAND "${ZIDLC}" ${ARGN} WORKING_DIRECTORY "${cwd}"
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(status "${status}" PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

function(expect what actual wanted)
  if(NOT actual STREQUAL wanted)
    message(FATAL_ERROR "${what}: expected\n[${wanted}]\ngot\n[${actual}]")
  endif()
endfunction()

function(expect_same_files dir_a dir_b)
  file(GLOB names RELATIVE "${dir_a}" "${dir_a}/*")
  file(GLOB names_b RELATIVE "${dir_b}" "${dir_b}/*")
  list(SORT names)
  list(SORT names_b)
  expect("files in ${dir_b}" "${names_b}" "${names}")
  if(names STREQUAL "")
    message(FATAL_ERROR "no output in ${dir_a}")
  endif()
  foreach(name IN LISTS names)
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files
                            "${dir_a}/${name}" "${dir_b}/${name}" RESULT_VARIABLE different)
    if(different)
      message(FATAL_ERROR "${dir_a}/${name} and ${dir_b}/${name} differ")
    endif()
  endforeach()
endfunction()

set(usage_hint "Try 'zidlc --help' for more information.\n")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(cwd "${WORK_DIR}")

if(CASE STREQUAL "help")
  run(--help)
  expect("status" "${status}" "0")
  expect("stderr" "${err}" "")
  if(NOT out MATCHES "^Usage: zidlc \\[-o OUTDIR\\] \\[-I DIR\\]\\.\\.\\. \\[--depfile FILE\\] \\[--skeleton\\] FILE\\.zidl\\.\\.\\.\n")
    message(FATAL_ERROR "unexpected --help output:\n${out}")
  endif()

elseif(CASE STREQUAL "version")
  run(--version)
  expect("status" "${status}" "0")
  expect("stdout" "${out}" "zidlc 0.1.0\n")
  expect("stderr" "${err}" "")

elseif(CASE STREQUAL "no_input")
  run(-o out)
  expect("status" "${status}" "1")
  expect("stderr" "${err}" "zidlc: error: no input files\n${usage_hint}")

elseif(CASE STREQUAL "bad_option")
  run(--frobnicate x.zidl)
  expect("status" "${status}" "1")
  expect("stderr" "${err}" "zidlc: error: unknown option '--frobnicate'\n${usage_hint}")
  run(x.zidl -o)
  expect("status" "${status}" "1")
  expect("stderr" "${err}" "zidlc: error: missing directory after '-o'\n${usage_hint}")

elseif(CASE STREQUAL "missing_file")
  run(-o out nope.zidl)
  expect("status" "${status}" "1")
  expect("stderr" "${err}" "zidlc: error: cannot read 'nope.zidl': No such file or directory\n")
  if(EXISTS "${WORK_DIR}/out")
    message(FATAL_ERROR "an output directory was created although zidlc failed")
  endif()

elseif(CASE STREQUAL "fresh_dir")
  # -o creates missing directories, parents included, and writes only there.
  run(-o fresh/nested/out "${SCHEMA_DIR}/ring/ring.zidl")
  expect("status" "${status}" "0")
  expect("stderr" "${err}" "")
  file(GLOB made RELATIVE "${WORK_DIR}/fresh/nested/out" "${WORK_DIR}/fresh/nested/out/*")
  list(SORT made)
  expect("outputs" "${made}" "ring.zidl.c;ring.zidl.h")
  file(GLOB top RELATIVE "${WORK_DIR}" "${WORK_DIR}/*")
  expect("files in the working directory" "${top}" "fresh")

elseif(CASE STREQUAL "default_dir")
  # Without -o the outputs go to the working directory.
  run(--skeleton "${SCHEMA_DIR}/ring/ring.zidl")
  expect("status" "${status}" "0")
  file(GLOB made RELATIVE "${WORK_DIR}" "${WORK_DIR}/*")
  list(SORT made)
  expect("outputs" "${made}" "ring.zidl.c;ring.zidl.h;ring_actors.c")

elseif(CASE STREQUAL "option_forms")
  # -I is accepted (imports come later); -oDIR, -IDIR and --depfile=FILE too.
  run(-I "${SCHEMA_DIR}" -Iother --depfile=ring.d -ogen "${SCHEMA_DIR}/ring/ring.zidl")
  expect("status" "${status}" "0")
  expect("stderr" "${err}" "")
  if(NOT EXISTS "${WORK_DIR}/gen/ring.zidl.h" OR NOT EXISTS "${WORK_DIR}/ring.d")
    message(FATAL_ERROR "outputs or depfile missing")
  endif()

elseif(CASE STREQUAL "output_dir_is_a_file")
  file(WRITE "${WORK_DIR}/taken" "")
  run(-o taken "${SCHEMA_DIR}/ring/ring.zidl")
  expect("status" "${status}" "1")
  expect("stderr" "${err}" "zidlc: error: cannot create directory 'taken': Not a directory\n")

elseif(CASE STREQUAL "determinism")
  # Same input from two places, run from two working directories, into two
  # output directories given differently: identical outputs.
  file(COPY "${SCHEMA_DIR}/chat/chat.zidl" DESTINATION "${WORK_DIR}/copy/deeper")
  run(--skeleton -o "${WORK_DIR}/first" "${SCHEMA_DIR}/chat/chat.zidl")
  expect("status" "${status}" "0")
  set(cwd "${WORK_DIR}/copy")
  run(--skeleton -o ../second/ deeper/chat.zidl)
  expect("status" "${status}" "0")
  expect_same_files("${WORK_DIR}/first" "${WORK_DIR}/second")
  run(--skeleton -o ../third deeper/chat.zidl)
  expect_same_files("${WORK_DIR}/first" "${WORK_DIR}/third")

elseif(CASE STREQUAL "depfile")
  # Target: the first output as written; prerequisites: absolute inputs.
  file(COPY "${SCHEMA_DIR}/ring/ring.zidl" "${SCHEMA_DIR}/pingpong/pingpong.zidl"
       DESTINATION "${WORK_DIR}/in")
  run(-o gen --depfile gen/schemas.d in/ring.zidl in/pingpong.zidl)
  expect("status" "${status}" "0")
  file(READ "${WORK_DIR}/gen/schemas.d" dep)
  file(REAL_PATH "${WORK_DIR}/in" abs)
  expect("depfile" "${dep}" "gen/ring.zidl.h: \\\n  ${abs}/ring.zidl \\\n  ${abs}/pingpong.zidl\n")

elseif(CASE STREQUAL "no_depfile_on_error")
  file(WRITE "${WORK_DIR}/bad.zidl" "message A { u32 x }\n")
  run(-o gen --depfile dep.d bad.zidl)
  expect("status" "${status}" "1")
  if(EXISTS "${WORK_DIR}/dep.d" OR EXISTS "${WORK_DIR}/gen")
    message(FATAL_ERROR "zidlc wrote files although it failed")
  endif()

elseif(CASE STREQUAL "all_or_nothing")
  # One bad file among good ones: nothing at all is written.
  file(WRITE "${WORK_DIR}/bad.zidl" "message A { u32 x; }\nmessage A {}\n")
  run(-o gen "${SCHEMA_DIR}/ring/ring.zidl" bad.zidl)
  expect("status" "${status}" "1")
  if(EXISTS "${WORK_DIR}/gen")
    message(FATAL_ERROR "zidlc wrote outputs although one input failed")
  endif()

elseif(CASE STREQUAL "same_base_name")
  file(COPY "${SCHEMA_DIR}/ring/ring.zidl" DESTINATION "${WORK_DIR}/a")
  file(COPY "${SCHEMA_DIR}/ring/ring.zidl" DESTINATION "${WORK_DIR}/b")
  run(-o gen a/ring.zidl b/ring.zidl)
  expect("status" "${status}" "1")
  expect("stderr" "${err}" "zidlc: error: 'a/ring.zidl' and 'b/ring.zidl' would write the same output files\n")

elseif(CASE STREQUAL "type_id_collision")
  # XXH32("message M2724{}") == XXH32("message M51328{}"): two files, one run.
  file(WRITE "${WORK_DIR}/one.zidl" "message M2724 {}\n")
  file(WRITE "${WORK_DIR}/two.zidl" "message M51328 {}\n")
  run(-o gen one.zidl two.zidl)
  expect("status" "${status}" "1")
  expect("stderr" "${err}" "two.zidl:1:9: error: the type id 0x3fa63569 of message 'M51328' collides with the type id of message 'M2724'; rename one of them
message M51328 {}
        ^
one.zidl:1:9: note: 'M2724' is declared here
message M2724 {}
        ^
")

elseif(CASE STREQUAL "import_search")
  # Next to the importing file first, then each -I directory in order.
  file(WRITE "${WORK_DIR}/src/top.zidl" "import \"shared.zidl\";\nimport \"only2.zidl\";\n"
       "import \"both.zidl\";\nmessage M { FromSrc a; FromInc2 b; FromInc1 c; }\nactor A { on M; }\n")
  file(WRITE "${WORK_DIR}/src/shared.zidl" "struct FromSrc { u8 x; }\n")
  file(WRITE "${WORK_DIR}/inc1/shared.zidl" "struct Wrong { u8 x; }\n")
  file(WRITE "${WORK_DIR}/inc1/both.zidl" "struct FromInc1 { u8 x; }\n")
  file(WRITE "${WORK_DIR}/inc2/both.zidl" "struct Wrong { u8 x; }\n")
  file(WRITE "${WORK_DIR}/inc2/only2.zidl" "struct FromInc2 { u8 x; }\n")
  run(-o gen -I inc1 -Iinc2 src/top.zidl)
  expect("status" "${status}" "0")
  expect("stderr" "${err}" "")
  foreach(name IN ITEMS top shared only2 both)
    if(NOT EXISTS "${WORK_DIR}/gen/${name}.zidl.h" OR NOT EXISTS "${WORK_DIR}/gen/${name}.zidl.c")
      message(FATAL_ERROR "outputs of ${name}.zidl missing: imports are written flat too")
    endif()
  endforeach()
  file(READ "${WORK_DIR}/gen/top.zidl.h" header)
  if(NOT header MATCHES "#include \"shared.zidl.h\"\n#include \"only2.zidl.h\"\n#include \"both.zidl.h\"\n")
    message(FATAL_ERROR "top.zidl.h does not include the headers of its imports:\n${header}")
  endif()
  # Not found anywhere: every place tried is named.
  file(WRITE "${WORK_DIR}/src/lost.zidl" "import \"gone.zidl\";\nstruct S { u8 x; }\n")
  run(-o gen2 -I inc1 -I inc2/ src/lost.zidl)
  expect("status" "${status}" "1")
  expect("stderr" "${err}" "src/lost.zidl:1:1: error: cannot find imported file 'gone.zidl' (tried 'src/gone.zidl', 'inc1/gone.zidl', 'inc2/gone.zidl')
import \"gone.zidl\";
^
")

elseif(CASE STREQUAL "import_depfile")
  # Every file read, imports included, as absolute paths; target: the first output.
  file(WRITE "${WORK_DIR}/in/top.zidl" "import \"sub/common.zidl\";\nmessage M { C c; }\nactor A { on M; }\n")
  file(WRITE "${WORK_DIR}/in/sub/common.zidl" "struct C { u8 x; }\n")
  run(-o gen --depfile top.d in/top.zidl)
  expect("status" "${status}" "0")
  file(READ "${WORK_DIR}/top.d" dep)
  file(REAL_PATH "${WORK_DIR}/in" abs)
  expect("depfile" "${dep}" "gen/top.zidl.h: \\\n  ${abs}/top.zidl \\\n  ${abs}/sub/common.zidl\n")

elseif(CASE STREQUAL "list_outputs")
  # --list-outputs: the outputs of the files given, then of their imports;
  # nothing is written.
  file(WRITE "${WORK_DIR}/top.zidl" "import \"common.zidl\";\nmessage M { C c; }\nactor A { on M; }\n")
  file(WRITE "${WORK_DIR}/common.zidl" "struct C { u8 x; }\nmessage Unused { u8 x; }\n")
  run(--list-outputs -o gen --depfile top.d top.zidl)
  expect("status" "${status}" "0")
  expect("stdout" "${out}" "gen/top.zidl.h\ngen/top.zidl.c\ngen/common.zidl.h\ngen/common.zidl.c\n")
  if(EXISTS "${WORK_DIR}/gen" OR EXISTS "${WORK_DIR}/top.d")
    message(FATAL_ERROR "--list-outputs wrote files")
  endif()
  run(--list-outputs --skeleton top.zidl)
  expect("stdout" "${out}" "top.zidl.h\ntop.zidl.c\ntop_actors.c\ncommon.zidl.h\ncommon.zidl.c\ncommon_actors.c\n")

elseif(CASE STREQUAL "list_local_only")
  # --list-local-only: every message that holds a ptr (directly or in a
  # struct), imports included, in reading order; nothing is written.
  file(WRITE "${WORK_DIR}/top.zidl"
       "package top;\nimport \"common.zidl\";\nstruct Work { ptr p; }\n"
       "message Job { Work w2; }\nmessage Plain { C c; }\nactor A { on Job; on Plain; }\n")
  file(WRITE "${WORK_DIR}/common.zidl" "struct C { u8 x; }\nmessage Raw { ptr q; }\n")
  run(--list-local-only -w -o gen top.zidl)
  expect("status" "${status}" "0")
  expect("stdout" "${out}"
         "common.zidl:2:9: local-only message 'Raw'\ntop.zidl:4:9: local-only message 'top.Job'\n")
  if(EXISTS "${WORK_DIR}/gen")
    message(FATAL_ERROR "--list-local-only wrote files")
  endif()
  file(WRITE "${WORK_DIR}/none.zidl" "message M { u8 x; }\nactor A { on M; }\n")
  run(--list-local-only none.zidl)
  expect("stdout" "${out}" "")

elseif(CASE STREQUAL "import_type_ids")
  # A type id depends on the package and the names, not on which file
  # declares what: splitting a package over two files keeps every id.
  file(WRITE "${WORK_DIR}/one/all.zidl"
       "package common;\nstruct Tag { u8 x; }\nmessage Ping { Tag t; }\nactor A { on Ping; }\n")
  file(WRITE "${WORK_DIR}/two/tag.zidl" "package common;\nstruct Tag { u8 x; }\n")
  file(WRITE "${WORK_DIR}/two/ping.zidl"
       "package common;\nimport \"tag.zidl\";\nmessage Ping { Tag t; }\nactor A { on Ping; }\n")
  run(-o gen_one one/all.zidl)
  expect("status" "${status}" "0")
  run(-o gen_two two/ping.zidl)
  expect("status" "${status}" "0")
  file(STRINGS "${WORK_DIR}/gen_one/all.zidl.h" id_one REGEX "COMMON_PING_TYPE_ID")
  file(STRINGS "${WORK_DIR}/gen_two/ping.zidl.h" id_two REGEX "COMMON_PING_TYPE_ID")
  if(id_one STREQUAL "" OR NOT id_one STREQUAL id_two)
    message(FATAL_ERROR "type ids differ: [${id_one}] and [${id_two}]")
  endif()

else()
  message(FATAL_ERROR "unknown CASE '${CASE}'")
endif()

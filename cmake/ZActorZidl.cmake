# zactor_add_zidl(<target> [INCLUDE_DIRS <dir>...] <file.zidl>...)
#
# Runs zidlc on the schemas at build time. The generated files, those of
# every imported schema included, go flat into one folder of the build tree
# (<binary dir>/zidl/<target>), which is added to the target's include path;
# every generated .c is added to the target's sources. INCLUDE_DIRS are
# zidlc's -I directories for imports. zidlc writes a depfile listing every
# schema it read, so the outputs are regenerated when one of them changes,
# imports included, and only then.
#
# Which files a schema imports decides which .c files exist, and CMake must
# know them when it configures, before zidlc may even be built. So the
# import statements are read here (zactor__zidl_imports below, which
# follows zidlc's search order), and every schema read is a configure
# dependency: adding or removing an import reconfigures.
#
# The same function serves in-tree builds and projects that use
# find_package(ZActor): both see zidlc as the executable target zactor::zidlc.
include_guard(GLOBAL)

# The `import "x.zidl";` paths of one schema, comments removed first.
function(zactor__zidl_import_names schema out_var)
  file(READ "${schema}" text)
  # Strings first would be more exact, but an import path holds no "//" or
  # "/*" in practice; block comments, then line comments.
  string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" " " text "${text}")
  string(REGEX REPLACE "//[^\n]*" "" text "${text}")
  string(REGEX MATCHALL "import[ \t\r\n]+\"[^\"\n]*\"" statements "${text}")
  set(names "")
  foreach(statement IN LISTS statements)
    string(REGEX REPLACE "^import[ \t\r\n]+\"([^\"\n]*)\"$" "\\1" name "${statement}")
    list(APPEND names "${name}")
  endforeach()
  set(${out_var} "${names}" PARENT_SCOPE)
endfunction()

# Every schema the given ones read, themselves included, as absolute paths:
# an import is looked for next to the importing file, then in each include
# directory, like zidlc does. One that is not found is left to zidlc to
# report at build time.
function(zactor__zidl_imports out_var include_dirs)
  set(closure "")
  set(pending ${ARGN})
  while(pending)
    list(POP_FRONT pending schema)
    if(schema IN_LIST closure)
      continue()
    endif()
    list(APPEND closure "${schema}")
    zactor__zidl_import_names("${schema}" names)
    get_filename_component(dir "${schema}" DIRECTORY)
    foreach(name IN LISTS names)
      foreach(candidate_dir IN ITEMS "${dir}" ${include_dirs})
        get_filename_component(candidate "${name}" ABSOLUTE BASE_DIR "${candidate_dir}")
        if(EXISTS "${candidate}" AND NOT IS_DIRECTORY "${candidate}")
          list(APPEND pending "${candidate}")
          break()
        endif()
      endforeach()
    endforeach()
  endwhile()
  set(${out_var} "${closure}" PARENT_SCOPE)
endfunction()

function(zactor_add_zidl target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "INCLUDE_DIRS")
  if(NOT TARGET ${target})
    message(FATAL_ERROR "zactor_add_zidl: '${target}' is not a target")
  endif()
  if(NOT arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "zactor_add_zidl(${target}): no .zidl file given")
  endif()
  if(NOT TARGET zactor::zidlc)
    message(FATAL_ERROR "zactor_add_zidl: zactor::zidlc is not defined; "
                        "use find_package(ZActor) or add_subdirectory(zactor)")
  endif()

  set(outdir "${CMAKE_CURRENT_BINARY_DIR}/zidl/${target}")
  file(MAKE_DIRECTORY "${outdir}")

  # Depend on the real zidlc target so that a rebuilt compiler regenerates.
  get_target_property(zidlc_target zactor::zidlc ALIASED_TARGET)
  if(NOT zidlc_target)
    set(zidlc_target zactor::zidlc)
  endif()

  set(roots "")
  set(root_names "")
  foreach(schema IN LISTS arg_UNPARSED_ARGUMENTS)
    get_filename_component(schema_abs "${schema}" ABSOLUTE)
    get_filename_component(schema_name "${schema}" NAME)
    if(NOT schema_name MATCHES "\\.zidl$")
      message(FATAL_ERROR "zactor_add_zidl(${target}): '${schema}' does not end in .zidl")
    endif()
    list(APPEND roots "${schema_abs}")
    list(APPEND root_names "${schema_name}")
  endforeach()
  set(include_dirs "")
  set(include_flags "")
  foreach(dir IN LISTS arg_INCLUDE_DIRS)
    get_filename_component(dir_abs "${dir}" ABSOLUTE)
    list(APPEND include_dirs "${dir_abs}")
    list(APPEND include_flags -I "${dir_abs}")
  endforeach()

  zactor__zidl_imports(schemas "${include_dirs}" ${roots})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${schemas})

  # The first output is the depfile's target: the first schema's header.
  set(outputs "")
  foreach(schema IN LISTS schemas)
    get_filename_component(name "${schema}" NAME)
    list(APPEND outputs "${outdir}/${name}.h" "${outdir}/${name}.c")
  endforeach()
  list(REMOVE_DUPLICATES outputs)
  list(GET root_names 0 first_name)
  set(depfile "${outdir}/${first_name}.d")
  string(REPLACE ";" " " comment "${root_names}")
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND zactor::zidlc -o "${outdir}" ${include_flags} --depfile "${depfile}" ${roots}
    DEPENDS ${roots} ${zidlc_target}
    DEPFILE "${depfile}"
    COMMENT "zidlc ${comment}"
    VERBATIM)
  target_sources(${target} PRIVATE ${outputs})
  target_include_directories(${target} PRIVATE "${outdir}")
endfunction()

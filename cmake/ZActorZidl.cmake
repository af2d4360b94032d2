# zactor_add_zidl(<target> <file.zidl>...)
#
# Runs zidlc on each schema at build time. The generated files go flat into
# one folder of the build tree (<binary dir>/zidl/<target>), which is added
# to the target's include path; every generated .c is added to the target's
# sources. zidlc writes a depfile listing every schema it read, so the
# outputs are regenerated when one of them changes, and only then.
#
# The same function serves in-tree builds and projects that use
# find_package(ZActor): both see zidlc as the executable target zactor::zidlc.
include_guard(GLOBAL)

function(zactor_add_zidl target)
  if(NOT TARGET ${target})
    message(FATAL_ERROR "zactor_add_zidl: '${target}' is not a target")
  endif()
  if(NOT ARGN)
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

  foreach(schema IN LISTS ARGN)
    get_filename_component(schema_abs "${schema}" ABSOLUTE)
    get_filename_component(schema_name "${schema}" NAME)
    if(NOT schema_name MATCHES "\\.zidl$")
      message(FATAL_ERROR "zactor_add_zidl(${target}): '${schema}' does not end in .zidl")
    endif()
    set(header "${outdir}/${schema_name}.h")
    set(source "${outdir}/${schema_name}.c")
    set(depfile "${outdir}/${schema_name}.d")
    add_custom_command(
      OUTPUT "${header}" "${source}"
      COMMAND zactor::zidlc -o "${outdir}" --depfile "${depfile}" "${schema_abs}"
      DEPENDS "${schema_abs}" ${zidlc_target}
      DEPFILE "${depfile}"
      COMMENT "zidlc ${schema_name}"
      VERBATIM)
    target_sources(${target} PRIVATE "${header}" "${source}")
  endforeach()
  target_include_directories(${target} PRIVATE "${outdir}")
endfunction()

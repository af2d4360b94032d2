# The ctest api_reference: Doxygen over the API reference's inputs must
# give no warning (every public symbol documented, every doc comment
# well-formed), and must still notice a missing doc comment: on a copy of
# zactor.h without the comment of zactor_system_wait it has to fail and
# name that function, so the check cannot pass by checking nothing.
# usage: cmake -DDOXYGEN=... -DDOXYFILE=... -DWORK_DIR=... -DHEADER=zactor.h -P this
if(NOT DOXYGEN)
  message(FATAL_ERROR "api_reference: doxygen is missing (apt-get install doxygen; "
                      "./run-tests installs it)")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
file(READ "${DOXYFILE}" config)

# run_doxygen(<config overrides> <result var> <output var>): later settings
# override the Doxyfile's.
function(run_doxygen overrides result_var output_var)
  file(WRITE "${WORK_DIR}/Doxyfile" "${config}\n${overrides}\n")
  execute_process(COMMAND "${DOXYGEN}" "${WORK_DIR}/Doxyfile"
                  WORKING_DIRECTORY "${WORK_DIR}"
                  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  set(${result_var} "${result}" PARENT_SCOPE)
  set(${output_var} "${out}" PARENT_SCOPE)
endfunction()

run_doxygen("OUTPUT_DIRECTORY = \"${WORK_DIR}/reference\"" result out)
if(NOT result EQUAL 0 OR out MATCHES "warning|error")
  message(FATAL_ERROR "api_reference: doxygen warns (exit ${result}); document the "
                      "symbols below (docs/README.md, API reference):\n${out}")
endif()

file(READ "${HEADER}" header)
set(declaration "int zactor_system_wait(zactor_system *sys);")
string(FIND "${header}" "${declaration}" at)
if(at LESS 0)
  message(FATAL_ERROR "api_reference: '${declaration}' is not in ${HEADER}: "
                      "update the self-check in ${CMAKE_CURRENT_LIST_FILE}")
endif()
string(SUBSTRING "${header}" 0 ${at} before)
string(FIND "${before}" "/**" comment REVERSE)
string(SUBSTRING "${header}" 0 ${comment} head)
string(SUBSTRING "${header}" ${at} -1 tail)
file(WRITE "${WORK_DIR}/undocumented/zactor.h" "${head}${tail}")
run_doxygen("INPUT = \"${WORK_DIR}/undocumented/zactor.h\"
OUTPUT_DIRECTORY = \"${WORK_DIR}/undocumented\"
GENERATE_HTML = NO" result out)
if(result EQUAL 0 OR NOT out MATCHES "zactor_system_wait[^\n]*is not documented")
  message(FATAL_ERROR "api_reference: doxygen did not fail on zactor.h without the doc "
                      "comment of zactor_system_wait (exit ${result}):\n${out}")
endif()
message(STATUS "api_reference: no warning; a missing doc comment is caught")

# Installation: zidlc, libzactor-rt (static, and shared with its SONAME
# links), the public headers, a relocatable CMake package
# (find_package(ZActor CONFIG)), a pkg-config file, the licence and the
# changelog.
include(CMakePackageConfigHelpers)

set(ZACTOR_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/ZActor")

set_target_properties(zidlc PROPERTIES EXPORT_NAME zidlc)
install(TARGETS zidlc zactor-rt zactor-rt-shared
  EXPORT ZActorTargets
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}")
# The headers, and beside them zactor/version.h, generated from its .in.
install(DIRECTORY runtime/include/zactor DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  PATTERN "*.in" EXCLUDE)
install(FILES "${ZACTOR_RT_GENERATED_INCLUDE_DIR}/zactor/version.h"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/zactor")
install(EXPORT ZActorTargets NAMESPACE zactor:: DESTINATION "${ZACTOR_CMAKE_DIR}")

configure_package_config_file(cmake/ZActorConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/ZActorConfig.cmake"
  INSTALL_DESTINATION "${ZACTOR_CMAKE_DIR}")
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/ZActorConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${CMAKE_CURRENT_BINARY_DIR}/ZActorConfig.cmake"
  "${CMAKE_CURRENT_BINARY_DIR}/ZActorConfigVersion.cmake"
  cmake/ZActorZidl.cmake
  DESTINATION "${ZACTOR_CMAKE_DIR}")

# The licence goes with every copy (MIT), the changelog with it.
install(FILES LICENSE CHANGELOG.md DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/doc/zactor")

# The .pc file finds its prefix relative to itself (relocatable install).
file(RELATIVE_PATH ZACTOR_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
# hwloc and libzmq as this build linked them (-L when not in a default
# directory).
list(JOIN HWLOC_LDFLAGS " " ZACTOR_PC_HWLOC_LIBS)
list(JOIN ZMQ_LDFLAGS " " ZACTOR_PC_ZMQ_LIBS)
configure_file(cmake/zactor.pc.in "${CMAKE_CURRENT_BINARY_DIR}/zactor.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/zactor.pc"
  DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

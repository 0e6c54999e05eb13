# Install: headers, the CMake package (find_package(missive)) and a pkg-config file.
include(CMakePackageConfigHelpers)

install(DIRECTORY include/missive DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT missiveTargets NAMESPACE missive:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/missive)

configure_package_config_file(cmake/missiveConfig.cmake.in
  ${PROJECT_BINARY_DIR}/missiveConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/missive)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/missiveConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/missiveConfig.cmake ${PROJECT_BINARY_DIR}/missiveConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/missive)

# pkg-config: a relocatable prefix (relative to the .pc file) and the layers
# highest first, as static linking needs.
file(RELATIVE_PATH MISSIVE_PC_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
get_property(_layers GLOBAL PROPERTY MISSIVE_LAYERS)
list(REVERSE _layers)
set(MISSIVE_PC_LIBS "")
foreach(layer IN LISTS _layers)
  string(APPEND MISSIVE_PC_LIBS " -lmissive_${layer}")
endforeach()
configure_file(cmake/missive.pc.in ${PROJECT_BINARY_DIR}/missive.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/missive.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

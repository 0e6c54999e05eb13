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

configure_file(cmake/missive.pc.in ${PROJECT_BINARY_DIR}/missive.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/missive.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

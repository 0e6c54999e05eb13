# Helpers shared by every layer's CMakeLists.

# Warnings and sanitizers for missive's own targets (not for users of the package).
add_library(missive_build_flags INTERFACE)
target_compile_options(missive_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  $<$<BOOL:${MISSIVE_WERROR}>:-Werror>)
if(MISSIVE_SANITIZE)
  target_compile_options(missive_build_flags INTERFACE -fsanitize=${MISSIVE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(missive_build_flags INTERFACE -fsanitize=${MISSIVE_SANITIZE})
endif()

# missive_layer(NAME SOURCES... [DEPS dep...])
# Defines the static library missive_<NAME>, alias missive::<NAME>, installed
# and exported. Lower layers are passed in DEPS; a layer never links upward.
function(missive_layer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  set(target missive_${name})
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(missive::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE $<BUILD_INTERFACE:missive_build_flags>)
  install(TARGETS ${target} EXPORT missiveTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  # Layers in definition order (lowest first), for the pkg-config link line.
  set_property(GLOBAL APPEND PROPERTY MISSIVE_LAYERS ${name})
endfunction()

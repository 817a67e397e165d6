# zc_add_module(<name> <sources>...): every library module is declared the same way — target zc_<name> with the
# alias zc::<name>, built as libzcrec_<name>, its include/ public (and installed), its src/ private, the project's
# warnings on. The module's CMakeLists adds only what is its own: dependencies and extra include paths.
function(zc_add_module name)
  set(target zc_${name})
  add_library(${target} ${ARGN})
  add_library(zc::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME zcrec_${name} EXPORT_NAME ${name}
                                             VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
  target_include_directories(${target}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  zc_set_warnings(${target})
  install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

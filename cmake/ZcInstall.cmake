# `cmake --install` puts the libraries, headers, a CMake package (find_package(zcrec)) and zcrec.pc in place.
include(CMakePackageConfigHelpers)
set(ZC_INSTALL_TARGETS zc_fifo)
foreach(t zc_media zc_ingest zc_catalog zc_recorder zc_playback)
  if(TARGET ${t})
    list(APPEND ZC_INSTALL_TARGETS ${t})
  endif()
endforeach()
install(TARGETS ${ZC_INSTALL_TARGETS} EXPORT zcrecTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT zcrecTargets NAMESPACE zc:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/zcrec)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/zcrecConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/zcrecConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/zcrec)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/zcrecConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/zcrecConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/zcrecConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/zcrec)
configure_file(${CMAKE_CURRENT_LIST_DIR}/zcrec.pc.in ${CMAKE_CURRENT_BINARY_DIR}/zcrec.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/zcrec.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Recorder tests: segment files, sessions, recovery, retention, and the `zcrec` recorder commands run
# as real processes against a real ring fed with libx264/libx265 output. Included from tests/CMakeLists.txt.
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 CONFIG QUIET)

add_library(zc_recorder_test_support STATIC
  ${CMAKE_CURRENT_LIST_DIR}/support/temp_dir.cpp
  ${CMAKE_CURRENT_LIST_DIR}/support/media_check.cpp
  ${CMAKE_CURRENT_LIST_DIR}/support/av_sync.cpp
  ${CMAKE_CURRENT_LIST_DIR}/support/record_fixture.cpp
  ${CMAKE_CURRENT_LIST_DIR}/support/full_catalog_vfs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/support/faulty_storage.cpp
)
target_include_directories(zc_recorder_test_support PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(zc_recorder_test_support PUBLIC zc::fifo zc::media zc::recorder zc::bench zc_test_support nlohmann_json::nlohmann_json
                                                      GTest::gtest SQLite::SQLite3)
zc_set_warnings(zc_recorder_test_support)

# A camera stand-in process: real encoded frames into a ring, backlog first, then real time.
add_executable(zc_test_ring_feeder ${CMAKE_CURRENT_LIST_DIR}/support/ring_feeder_main.cpp)
target_link_libraries(zc_test_ring_feeder PRIVATE zc_recorder_test_support)
zc_set_warnings(zc_test_ring_feeder)

add_executable(recorder_tests
  ${CMAKE_CURRENT_LIST_DIR}/session_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mp4_layout_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/recorder_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/writer_restart_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/aac_config_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/segment_fidelity_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/g711_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mp4_edit_list_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/disk_full_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/recording_mode_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fragment_muxer_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/support/movenc_segment.cpp
)
target_link_libraries(recorder_tests PRIVATE zc::recorder zc_recorder_test_support SQLite::SQLite3 GTest::gtest_main)
target_include_directories(recorder_tests PRIVATE ${PROJECT_SOURCE_DIR}/recorder/src)
target_compile_definitions(recorder_tests PRIVATE ZC_SOURCE_DIR="${PROJECT_SOURCE_DIR}")  # docs/ the tests read
zc_set_warnings(recorder_tests)
gtest_discover_tests(recorder_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS recorder)

# The recorder commands as real processes (needs the zcrec binary and the feeder).
add_executable(recorder_cli_tests
  ${CMAKE_CURRENT_LIST_DIR}/support/cli_helpers.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cli_record_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cli_writer_restart_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cli_av_timing_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cli_g711_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cli_storage_test.cpp
)
target_link_libraries(recorder_cli_tests PRIVATE zc::recorder zc_recorder_test_support GTest::gtest_main)
target_compile_definitions(recorder_cli_tests PRIVATE ZCREC_BIN="$<TARGET_FILE:zcrec>"
                                                      ZC_FEEDER_BIN="$<TARGET_FILE:zc_test_ring_feeder>")
add_dependencies(recorder_cli_tests zcrec zc_test_ring_feeder)
zc_set_warnings(recorder_cli_tests)
gtest_discover_tests(recorder_cli_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS recorder)

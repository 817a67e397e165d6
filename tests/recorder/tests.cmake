# Recorder tests: catalog, segment writer, sessions, recovery, retention, and the `zcrec` recorder commands run
# as real processes. Included from tests/CMakeLists.txt.
find_package(SQLite3 REQUIRED)
add_library(zc_recorder_test_support STATIC
  ${CMAKE_CURRENT_LIST_DIR}/support/temp_dir.cpp
)
target_include_directories(zc_recorder_test_support PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(zc_recorder_test_support PUBLIC zc::fifo GTest::gtest)
zc_set_warnings(zc_recorder_test_support)

add_executable(recorder_tests
  ${CMAKE_CURRENT_LIST_DIR}/catalog_test.cpp
)
target_link_libraries(recorder_tests PRIVATE zc::recorder zc_recorder_test_support zc_test_support SQLite::SQLite3
                                             GTest::gtest_main)
zc_set_warnings(recorder_tests)
gtest_discover_tests(recorder_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS recorder)

# Project-wide compile settings applied per target through zc_set_warnings().
add_library(zc_build_flags INTERFACE)
# -Wshadow=local is GCC's spelling; clang (the fuzz build) has the same check as -Wshadow-uncaptured-local.
target_compile_options(zc_build_flags INTERFACE -Wall -Wextra $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>
                                                $<$<CXX_COMPILER_ID:Clang>:-Wshadow-uncaptured-local>
                                                $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor>)
if(ZC_WERROR)
  target_compile_options(zc_build_flags INTERFACE -Werror)
endif()
if(ZC_SANITIZE_ADDRESS AND ZC_SANITIZE_THREAD)
  message(FATAL_ERROR "ZC_SANITIZE_ADDRESS and ZC_SANITIZE_THREAD cannot be combined")
endif()
if(ZC_SANITIZE_ADDRESS)
  # The instrumentation defeats GCC 12's flow analysis: <regex> and <functional> then raise false
  # -Wmaybe-uninitialized errors under -Werror (the plain build keeps the warning).
  target_compile_options(zc_build_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                  -fno-sanitize-recover=undefined -Wno-maybe-uninitialized)
  target_link_options(zc_build_flags INTERFACE -fsanitize=address,undefined)
endif()
if(ZC_FUZZ)
  # Every module instrumented for libFuzzer's coverage and checked by ASan+UBSan; the fuzz targets add the
  # libFuzzer driver (tests/fuzz). Any UB aborts, so that libFuzzer keeps the input.
  target_compile_options(zc_build_flags INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                  -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(zc_build_flags INTERFACE -fsanitize=address,undefined)
endif()
if(ZC_SANITIZE_THREAD)
  # GCC 12 warns that TSan does not model atomic_thread_fence, which the ring's seqlock-style checks use; the
  # tests that matter run the ring between threads and processes regardless. Same false positives as above.
  target_compile_options(zc_build_flags INTERFACE -fsanitize=thread -fno-omit-frame-pointer -Wno-tsan
                                                  -Wno-maybe-uninitialized)
  target_link_options(zc_build_flags INTERFACE -fsanitize=thread)
endif()

function(zc_set_warnings target)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:zc_build_flags>)
endfunction()

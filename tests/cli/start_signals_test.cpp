// `zcrec start` must always be stoppable: SIGINT/SIGTERM end its wait for a ring, and a signal descriptor it
// cannot get is an error, not a recorder that no signal can stop any more (the signals stay blocked).
#include "cli/cli_process.h"
#include "cli/media_fixtures.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>

#include <signal.h>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

TEST(CliStart, SigintEndsTheWaitForARing) {
  TempDir dir;
  ScopedStream stream("start_wait");
  Background start({ZCREC_BIN, "start", stream.name(), "--dir", (dir / "rec").string(), "--wait", "60"},
                   dir / "start.log");
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(start.running()) << read_file(dir / "start.log");
  EXPECT_EQ(start.stop(SIGINT, 5s), 0) << "still waiting for the ring after SIGINT\n" << read_file(dir / "start.log");
}

TEST(CliStart, ASignalDescriptorItCannotGetIsAnError) {
  TempDir dir;
  ScopedStream stream("start_nosignalfd");
  // Only the child gets the shim. Under ASan it comes before the ASan runtime, which must be told that is fine.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string asan_before = asan != nullptr ? asan : "";
  ::setenv("ASAN_OPTIONS", (asan_before + (asan_before.empty() ? "" : ":") + "verify_asan_link_order=0").c_str(), 1);
  ::setenv("LD_PRELOAD", ZC_FAIL_SIGNALFD_LIB, 1);
  Background start({ZCREC_BIN, "start", stream.name(), "--dir", (dir / "rec").string(), "--wait", "60"},
                   dir / "start.log");
  ::unsetenv("LD_PRELOAD");
  if (asan != nullptr) ::setenv("ASAN_OPTIONS", asan_before.c_str(), 1);
  else ::unsetenv("ASAN_OPTIONS");
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(start.stop(SIGINT, 5s), 1) << "zcrec start went on without a way to stop it\n"
                                       << read_file(dir / "start.log");
  EXPECT_NE(read_file(dir / "start.log").find("signalfd"), std::string::npos) << read_file(dir / "start.log");
}

}  // namespace
}  // namespace zc::test

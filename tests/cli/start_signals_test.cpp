// `zcrec start` must always be stoppable: SIGINT/SIGTERM end its wait for a ring, and a signal descriptor it
// cannot get is an error, not a recorder that no signal can stop any more (the signals stay blocked).
#include "cli/cli_process.h"
#include "cli/media_fixtures.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

#include <thread>

#include <signal.h>
#include <stdlib.h>

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
  ::setenv("LD_PRELOAD", ZC_FAIL_SIGNALFD_LIB, 1);
  ::setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 0);  // the shim comes before an ASan runtime
  Background start({ZCREC_BIN, "start", stream.name(), "--dir", (dir / "rec").string(), "--wait", "60"},
                   dir / "start.log");
  ::unsetenv("LD_PRELOAD");
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(start.stop(SIGINT, 5s), 1) << "zcrec start went on without a way to stop it\n"
                                       << read_file(dir / "start.log");
  EXPECT_NE(read_file(dir / "start.log").find("signalfd"), std::string::npos) << read_file(dir / "start.log");
}

}  // namespace
}  // namespace zc::test

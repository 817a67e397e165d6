// LiveSource reads every time from the clock it is given, not the host's: its read timeout, its status times and
// the time of its next attempt follow an injected clock. The camera is a real TCP listener that never answers
// (libavformat's RTSP client connects and waits for an answer to OPTIONS).
#include <zc/media/error.h>
#include <zc/media/live_source.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/test_support.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace zc::media {
namespace {

using namespace std::chrono_literals;

// A clock whose monotonic time moves on by `step` at every reading (a host on which each look at the clock takes
// ten minutes); its wall clock stands still.
class SteppingClock final : public fifo::Clock {
 public:
  explicit SteppingClock(std::chrono::nanoseconds step) : step_(step.count()) {}
  int64_t mono_ns() const override { return mono_.fetch_add(step_) + step_; }
  int64_t wall_ns() const override { return kWall; }
  static constexpr int64_t kWall = 1'800'000'000'000'000'000;

 private:
  int64_t step_;
  mutable std::atomic<int64_t> mono_{1'000'000'000'000'000'000};
};

// A camera that accepts connections (the kernel does, from the backlog) and never says a word.
class SilentCamera {
 public:
  SilentCamera() {
    fd_ = test::listen_on_loopback(port_, 4);
  }
  ~SilentCamera() { ::close(fd_); }
  std::string url() const { return "rtsp://127.0.0.1:" + std::to_string(port_) + "/silent"; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

TEST(LiveSourceClock, ReadTimeoutAndRetryTimesFollowTheInjectedClock) {
  SilentCamera camera;
  const SteppingClock clock(10min);
  ReconnectPolicy policy;
  policy.read_timeout = 1h;  // by the host's clock the attempt would wait an hour
  policy.backoff = {std::chrono::milliseconds(1500)};
  std::vector<SourceStatus> seen;
  StopHooks hooks;
  hooks.on_status = [&](const SourceStatus& s) { seen.push_back(s); };
  hooks.sleep_for = [](std::chrono::nanoseconds) { return false; };  // stop instead of retrying
  SourceOptions options;
  options.format_options["rtsp_transport"] = "tcp";
  LiveSource source(camera.url(), options, policy, hooks, clock);

  const auto started = std::chrono::steady_clock::now();
  MediaPacket p;
  EXPECT_FALSE(source.read(p));  // the attempt timed out; the retry wait was told to stop
  // libavformat asks the interrupt hook every 100 ms of waiting; a handful of readings make the hour.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);

  const SourceStatus& s = source.status();
  EXPECT_EQ(s.failed_attempts, 1u);
  EXPECT_EQ(s.last_error, "no answer for 3600 s (read timeout)");
  EXPECT_EQ(s.state, SourceState::waiting_to_retry);
  EXPECT_EQ(s.updated_wall_ns, SteppingClock::kWall);
  EXPECT_EQ(s.next_attempt_wall_ns, SteppingClock::kWall + 1'500'000'000);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].state, SourceState::connecting);
  EXPECT_EQ(seen[0].updated_wall_ns, SteppingClock::kWall);
}

}  // namespace
}  // namespace zc::media

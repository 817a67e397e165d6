// media::ArrivalEstimate on made-up arrivals: pictures every 40 ms, read in batches every 100 ms, each read
// coming a different time after the newest picture arrived (what a sleeping reader sees). What matters for wall
// times is that the stamps keep the pictures' spacing: the estimate's error against the true arrival must stay
// the same from batch to batch (within the arrivals' own jitter), where stamping back from each read moved by up
// to a picture interval. It must follow a camera clock that runs slow within its drift allowance, and start again
// when the camera's clock jumps.
#include <zc/media/arrival_estimate.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

namespace zc::media {
namespace {

constexpr int64_t kMs = 1'000'000;

struct Picture {
  int64_t dts_ns, arrival_ns;
};

// Runs reads every 100 ms over `pictures` and returns how much the error of the estimated arrivals moves from one
// picture to the next after the first `skip_reads` reads, and the same for stamping back from the read by dts.
// How much the error moves from one picture to the next, at most (the stamps' spacing against the true one).
struct Spread {
  std::optional<int64_t> last;
  int64_t worst = 0;
  void add(int64_t v) {
    if (last) worst = std::max(worst, std::abs(v - *last));
    last = v;
  }
  int64_t width() const { return worst; }
};

std::pair<int64_t, int64_t> error_spreads(const std::vector<Picture>& pictures, int skip_reads) {
  ArrivalEstimate e;
  Spread est_err, naive_err;
  int64_t last_read = 0;
  size_t next = 0;
  for (int64_t read = 100 * kMs; next < pictures.size(); read += 100 * kMs) {
    std::vector<Picture> batch;
    while (next < pictures.size() && pictures[next].arrival_ns <= read) batch.push_back(pictures[next++]);
    if (batch.empty()) continue;
    e.observe(read, batch.back().dts_ns);
    for (const auto& p : batch) {
      const int64_t est = e.arrival(p.dts_ns, last_read, read);
      const int64_t naive = std::max(read - (batch.back().dts_ns - p.dts_ns), last_read);
      if (read / (100 * kMs) > skip_reads) {
        est_err.add(est - p.arrival_ns);
        naive_err.add(naive - p.arrival_ns);
      }
    }
    last_read = read;
  }
  return {est_err.width(), naive_err.width()};
}

TEST(ArrivalEstimate, BatchedPicturesAreStampedAtTheirArrivalNotAtTheRead) {
  // 25 fps arriving 3 ms after their dts (plus 0-2 ms of jitter), reads every 100 ms: the newest picture of a
  // read waited 0-40 ms.
  std::vector<Picture> p;
  for (int i = 0; i < 500; ++i) p.push_back({i * 40 * kMs, i * 40 * kMs + 3 * kMs + (i * 7 % 3) * kMs});
  const auto [spread, naive] = error_spreads(p, 5);
  EXPECT_LE(spread, 3 * kMs);  // the arrivals' own jitter, no more
  EXPECT_GE(naive, 15 * kMs) << "the made-up reads should make stamping from the read jitter";
}

TEST(ArrivalEstimate, ACameraClockThatRunsSlowIsFollowed) {
  // The camera's 40 ms are 40.04 ms of the host's (0.1 % slow): the offset grows 1 ms a second.
  std::vector<Picture> p;
  for (int i = 0; i < 1500; ++i) p.push_back({i * 40 * kMs, i * 40'040'000LL + 3 * kMs});
  const auto [spread, naive] = error_spreads(p, 5);
  EXPECT_LE(spread, 5 * kMs);
  EXPECT_GE(naive, 15 * kMs);
}

TEST(ArrivalEstimate, AJumpOfTheCameraClockStartsTheEstimateAgain) {
  ArrivalEstimate e;
  e.observe(1000 * kMs, 997 * kMs);
  EXPECT_EQ(e.arrival(960 * kMs, 900 * kMs, 1000 * kMs), 963 * kMs);
  // The camera's clock went back 10 s: without a new start every estimate would sit at the earliest bound.
  e.observe(1100 * kMs, -8'903 * kMs);
  EXPECT_EQ(e.arrival(-8'903 * kMs, 1000 * kMs, 1100 * kMs), 1100 * kMs);
  EXPECT_EQ(e.arrival(-8'943 * kMs, 1000 * kMs, 1100 * kMs), 1060 * kMs);
}

TEST(ArrivalEstimate, WithoutAnObservationTheReadIsTheArrival) {
  ArrivalEstimate e;
  EXPECT_EQ(e.arrival(5, 0, 42), 42);
}

}  // namespace
}  // namespace zc::media

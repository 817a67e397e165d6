// Batched reads (docs/ingest.md, "Batched reads"): while only keyframe-woken readers (recorders) are attached to
// its ring, `zcrec feed` reads its RTSP camera or its live pipe every 100 ms instead of once per picture, and each
// frame still carries its own arrival time (spaced by the frame interval, not bunched per batch). A live reader
// turns it back to one read per picture. Wakeups are counted with the kernel's voluntary context switches of the
// feed.
#include "cli/cli_process.h"
#include "cli/media_fixtures.h"
#include "cli/rtsp_camera.h"
#include "support/test_support.h"

#include <zc/fifo/ring_reader.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <signal.h>
#include <sys/stat.h>
#include <string>
#include <vector>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

// All the feed's threads' voluntary context switches: each is a time it went to sleep (a wakeup later).
uint64_t voluntary_switches(pid_t pid) {
  uint64_t total = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream in(task.path() / "status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) total += std::stoull(line.substr(line.find(':') + 1));
  }
  return total;
}

// Reads `pictures` video frames (track 0) from `reader`, returns their capture times (mono_ns).
std::vector<int64_t> read_pictures(fifo::RingReader& reader, int pictures) {
  std::vector<int64_t> mono;
  fifo::Frame f;
  int idle = 0;
  while (static_cast<int>(mono.size()) < pictures && idle < 100) {
    if (reader.read(f, 100ms) != fifo::WaitStatus::ready) {
      ++idle;  // 10 s without a frame: the feed is broken
      continue;
    }
    idle = 0;
    if (f.header.track == 0) mono.push_back(f.header.mono_ns);
  }
  return mono;
}

// What both kinds of live source must show (see the file's comment): `feed` writes `stream` and logs to `log`.
void expect_batched_reads_while_only_recorders_read(pid_t feed, const std::string& stream,
                                                    const std::filesystem::path& log) {
  // A recorder's reader: woken at keyframes (or after 250 ms), never per frame.
  fifo::ReaderOptions keyframe_woken;
  keyframe_woken.start = fifo::StartAt::next_frame;
  keyframe_woken.wait_for_stream = 30s;
  keyframe_woken.wake.on = fifo::WakeOn::keyframe;
  auto recorder = fifo::RingReader::open(stream, keyframe_woken);
  ASSERT_EQ(read_pictures(recorder, 30).size(), 30u) << read_file(log);

  const uint64_t before = voluntary_switches(feed);
  const std::vector<int64_t> batched = read_pictures(recorder, 150);
  const uint64_t batched_switches = voluntary_switches(feed) - before;
  ASSERT_EQ(batched.size(), 150u) << read_file(log);
  const double per_picture = static_cast<double>(batched_switches) / 150;
  std::printf("feed wakeups per picture, only a keyframe-woken reader attached: %.2f\n", per_picture);
  // Per picture it would be one wakeup or more; batches of ~3 pictures make it ~0.35.
  EXPECT_LT(per_picture, 0.6) << batched_switches << " wakeups for 150 pictures";

  // Each picture keeps its own arrival: consecutive ones ~33 ms apart, not three at one instant and a gap.
  std::vector<int64_t> gaps_ms;
  for (size_t i = 1; i < batched.size(); ++i) gaps_ms.push_back((batched[i] - batched[i - 1]) / 1'000'000);
  const auto bunched = std::count_if(gaps_ms.begin(), gaps_ms.end(), [](int64_t g) { return g < 5; });
  std::nth_element(gaps_ms.begin(), gaps_ms.begin() + gaps_ms.size() / 2, gaps_ms.end());
  const int64_t median = gaps_ms[gaps_ms.size() / 2];
  std::printf("gaps between pictures' capture times: median %lld ms, %lld under 5 ms\n", static_cast<long long>(median),
              static_cast<long long>(bunched));
  // (An RTSP camera's sender reports, a few seconds in, put pictures on its own clock; the arrival times matter
  // before that, for every camera that sends none, and for pipes.)
  EXPECT_LE(bunched, 3) << "pictures stamped as if they arrived together";
  EXPECT_GE(median, 30);
  EXPECT_LE(median, 37);

  // A live viewer attaches: one read per picture again, from the next batch on.
  fifo::ReaderOptions every_frame;
  every_frame.start = fifo::StartAt::next_frame;
  auto live = fifo::RingReader::open(stream, every_frame);
  ASSERT_EQ(read_pictures(live, 10).size(), 10u);
  const uint64_t live_before = voluntary_switches(feed);
  ASSERT_EQ(read_pictures(live, 150).size(), 150u) << read_file(log);
  const uint64_t live_switches = voluntary_switches(feed) - live_before;
  std::printf("feed wakeups per picture, a live reader attached: %.2f\n", static_cast<double>(live_switches) / 150);
  // (A paced pipe wakes its reader once per picture, ~1.0: a loaded machine that delays a wakeup past the next
  // picture lowers it a little, never to batching's ~0.33.)
  EXPECT_GT(static_cast<double>(live_switches) / 150, 1.5 * per_picture)
      << live_switches << " wakeups for 150 pictures with a live reader, " << batched_switches << " without";
}

TEST(FeedBatch, AnRtspCameraIsReadInBatchesWhileOnlyRecordersReadWithEachFramesOwnArrivalTime) {
  TempDir dir;
  ScopedStream stream("rtsp_batch");
  RtspCamera camera({.audio = true, .fps = 30});
  Background feed({kZcrec, "feed", camera.url(), "--stream", stream.name()}, dir / "feed.log");
  expect_batched_reads_while_only_recorders_read(feed.pid(), stream.name(), dir / "feed.log");
  EXPECT_EQ(feed.stop(SIGTERM, 10s), 0) << read_file(dir / "feed.log");
}

// RTP over UDP: the batch reads each track's sockets (recvmmsg) after the sleep, within the sockets' buffers.
TEST(FeedBatch, AnRtspCameraOverUdpIsReadInBatchesToo) {
  TempDir dir;
  ScopedStream stream("rtsp_udp_batch");
  RtspCamera camera({.audio = true, .protocols = "udp", .fps = 30});
  Background feed({kZcrec, "feed", camera.url(), "--stream", stream.name(), "--rtsp-transport", "udp"}, dir / "feed.log");
  expect_batched_reads_while_only_recorders_read(feed.pid(), stream.name(), dir / "feed.log");
  EXPECT_EQ(feed.stop(SIGTERM, 10s), 0) << read_file(dir / "feed.log");
}

// A camera bridge's pipe (raw H.264 written picture by picture in real time by `zcrec bench pace`, as a camera
// delivers them): the same, with the pipe grown so that 100 ms of pictures fit.
TEST(FeedBatch, ALivePipeIsReadInBatchesWhileOnlyRecordersReadWithEachFramesOwnArrivalTime) {
  TempDir dir;
  const auto input = dir / "in.h264";
  encode({.codec = "libx264", .size = "640x360", .seconds = 4, .gop = 30, .bframes = 0}, input);
  const auto fifo = dir / "camera.h264";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ScopedStream stream("pipe_batch");
  Background pacer({kZcrec, "bench", "pace", input.string(), fifo.string()}, dir / "pace.log");
  Background feed({kZcrec, "feed", fifo.string(), "--stream", stream.name()}, dir / "feed.log");
  expect_batched_reads_while_only_recorders_read(feed.pid(), stream.name(), dir / "feed.log");
  EXPECT_EQ(feed.stop(SIGTERM, 10s), 0) << read_file(dir / "feed.log");
}

}  // namespace
}  // namespace zc::test

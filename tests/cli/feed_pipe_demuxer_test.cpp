// `zcrec feed FIFO`: raw H.264/H.265 on a live pipe is cut into access units by zcrec (the default, `--demuxer
// native`) instead of libavformat's demuxer and parser (`--demuxer libavformat`, the path before). The same bytes,
// written into the FIFO in odd-sized pieces (so that access units straddle the reads), must leave the same ring:
// frames byte for byte, keyframe flags, pts, dts, stream info (codec configuration, size), and the same counters
// of frames written and dropped. Real libx264/libx265 output with B-frames; the rings are read back with the real
// reader (docs/ingest.md, "Raw H.264/H.265 pipes").
#include "cli/media_fixtures.h"
#include "support/test_support.h"

#include <zc/fifo/ring_reader.h>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

struct RingFrame {
  fifo::FrameMeta meta;
  std::vector<uint8_t> payload;
  std::vector<fifo::TrackInfo> tracks;  // the stream info in force for the frame
};

struct Ring {
  std::vector<RingFrame> frames;  // from the oldest keyframe
  uint64_t written = 0, dropped = 0, oversized = 0;
};

Ring read_ring(const std::string& stream) {
  Ring ring;
  const auto st = fifo::RingReader::inspect(stream);
  ring.written = st.frames_written;
  ring.dropped = st.frames_dropped;
  ring.oversized = st.oversized_frames;
  fifo::ReaderOptions ro;
  ro.start = fifo::StartAt::oldest_keyframe;
  auto r = fifo::RingReader::open(stream, ro);
  fifo::Frame f;
  while (r.try_read(f) == fifo::ReadStatus::frame)
    ring.frames.push_back({static_cast<const fifo::FrameMeta&>(f.header), f.payload, r.stream_info().tracks});
  return ring;
}

// Writes `bytes` into the FIFO once feed has it open, in pieces of 1, 7 and 4093 bytes in turn; after each piece
// it waits (briefly) for the pipe to be emptied, so that feed's reads end where the pieces do.
bool write_in_odd_pieces(const std::filesystem::path& fifo, const std::string& bytes, std::chrono::seconds patience) {
  const auto until = std::chrono::steady_clock::now() + patience;
  int fd = -1;
  while ((fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
    if (errno != ENXIO || std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  ::fcntl(fd, F_SETFL, 0);
  static constexpr size_t kPieces[] = {1, 7, 4093};
  size_t done = 0;
  for (size_t i = 0; done < bytes.size(); ++i) {
    const size_t n = std::min(kPieces[i % 3], bytes.size() - done);
    const ssize_t w = ::write(fd, bytes.data() + done, n);
    if (w <= 0) break;
    done += static_cast<size_t>(w);
    const auto drained_by = std::chrono::steady_clock::now() + 20ms;
    int queued = 0;
    while (::ioctl(fd, FIONREAD, &queued) == 0 && queued > 0 && std::chrono::steady_clock::now() < drained_by)
      std::this_thread::sleep_for(100us);
  }
  ::close(fd);
  return done == bytes.size();
}

// `zcrec feed FIFO --demuxer D` until the input ends, and what it left in the ring.
Ring feed_through_fifo(const TempDir& dir, const std::string& bytes, const std::string& demuxer,
                       std::vector<std::string> extra = {}) {
  ::signal(SIGPIPE, SIG_IGN);
  ScopedStream stream("pipe_" + demuxer);
  const auto fifo = dir / ("camera-" + demuxer);
  EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::vector<std::string> argv = {ZCREC_BIN, "feed", fifo.string(), "--stream", stream.name(), "--demuxer", demuxer};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const auto log = dir / ("feed-" + demuxer + ".log");
  Background feed(argv, log);
  EXPECT_TRUE(write_in_odd_pieces(fifo, bytes, 60s)) << read_file(log);
  EXPECT_EQ(feed.stop(0, 60s), 0) << read_file(log);
  return read_ring(stream.name());
}

void expect_same_ring(const Ring& native, const Ring& lavf) {
  EXPECT_EQ(native.written, lavf.written);
  EXPECT_EQ(native.dropped, lavf.dropped);
  EXPECT_EQ(native.oversized, lavf.oversized);
  ASSERT_EQ(native.frames.size(), lavf.frames.size());
  for (size_t i = 0; i < native.frames.size(); ++i) {
    const RingFrame& n = native.frames[i];
    const RingFrame& l = lavf.frames[i];
    ASSERT_EQ(n.payload, l.payload) << "frame " << i;
    EXPECT_EQ(n.meta.flags, l.meta.flags) << "frame " << i;
    EXPECT_EQ(n.meta.pts, l.meta.pts) << "frame " << i;
    EXPECT_EQ(n.meta.dts, l.meta.dts) << "frame " << i;
    EXPECT_EQ(n.meta.track, l.meta.track) << "frame " << i;
    EXPECT_EQ(n.tracks, l.tracks) << "stream info of frame " << i;
  }
}

class FeedPipeDemuxer : public ::testing::TestWithParam<const char*> {};

TEST_P(FeedPipeDemuxer, NativeAndLibavformatLeaveTheSameRing) {
  const std::string codec = GetParam();
  TempDir dir;
  const auto input = dir / (codec == "libx264" ? "in.h264" : "in.h265");
  encode({.codec = codec, .seconds = 3, .gop = 30, .bframes = 2}, input);
  const std::string bytes = read_file(input);
  const Ring lavf = feed_through_fifo(dir, bytes, "libavformat");
  const Ring native = feed_through_fifo(dir, bytes, "native");
  ASSERT_EQ(lavf.frames.size(), 90u);
  expect_same_ring(native, lavf);
  const auto& t = native.frames.back().tracks.at(0);
  EXPECT_EQ(t.codec, codec == "libx264" ? fifo::Codec::h264 : fifo::Codec::h265);
  EXPECT_EQ(t.width, 320u);
  EXPECT_EQ(t.height, 240u);
  EXPECT_FALSE(t.config.empty());
  bool reordered = false;
  for (size_t i = 1; i < native.frames.size(); ++i)
    reordered |= native.frames[i].meta.pts < native.frames[i - 1].meta.pts;
  EXPECT_TRUE(reordered) << "precondition: B-frames";
}

// A camera bridge already streaming when feed opens the pipe: feed joins between two keyframes, and the end is cut
// in the middle of a NAL unit. Both paths write the same frames (from the first keyframe on, readers see the same
// stream) and count the same.
TEST_P(FeedPipeDemuxer, JoinedMidStreamAndCutShortTheRingsAreTheSame) {
  const std::string codec = GetParam();
  TempDir dir;
  const auto input = dir / (codec == "libx264" ? "in.h264" : "in.h265");
  encode({.codec = codec, .seconds = 4, .gop = 30, .bframes = 2}, input);
  const std::string whole = read_file(input);
  const std::string bytes = whole.substr(whole.size() * 3 / 10, whole.size() * 6 / 10 + 13);
  const Ring lavf = feed_through_fifo(dir, bytes, "libavformat");
  const Ring native = feed_through_fifo(dir, bytes, "native");
  ASSERT_GT(lavf.frames.size(), 30u);
  expect_same_ring(native, lavf);
}

INSTANTIATE_TEST_SUITE_P(X264AndX265, FeedPipeDemuxer, ::testing::Values("libx264", "libx265"),
                         [](const auto& p) { return std::string(p.param) == "libx264" ? "H264" : "H265"; });

// Keyframes larger than the ring accepts (a quarter of 128 KiB): dropped and counted the same way on both paths,
// and feeding resumes at the same keyframe.
TEST(FeedPipeDemuxerOversized, FramesTooLargeForTheRingAreDroppedAlike) {
  TempDir dir;
  const auto input = dir / "noisy.h264";
  const auto r = run({"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
                      "-t", "2.4", "-vf", "noise=alls=100:allf=t+u:enable='eq(n,30)'", "-c:v", "libx264", "-g", "10",
                      "-bf", "2", "-x264-params", "scenecut=0", "-f", "h264", input.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string bytes = read_file(input);
  const Ring lavf = feed_through_fifo(dir, bytes, "libavformat", {"--ring-size", "128K"});
  const Ring native = feed_through_fifo(dir, bytes, "native", {"--ring-size", "128K"});
  ASSERT_EQ(lavf.oversized, 1u) << "precondition: one keyframe does not fit";
  expect_same_ring(native, lavf);
}

}  // namespace
}  // namespace zc::test

// open_live_pipe(): the native Annex-B path against libavformat's (PipeDemuxer::libavformat, the path before it)
// on the same bytes through a real FIFO, written in odd-sized pieces so that access units straddle the reads.
// Every packet must be equal: bytes, keyframe flag, pts, dts, duration, parameter-set changes; and the stream info
// (codec, configuration, size, time base). Real libx264/libx265 output with B-frames.
#include "cli/cli_process.h"

#include <zc/media/annexb_pipe.h>
#include <zc/media/error.h>
#include <zc/media/source.h>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <thread>

namespace zc::media {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

struct Packet {
  Bytes data;
  bool keyframe;
  int64_t pts, dts, duration;
  bool params_changed;
  bool operator==(const Packet&) const = default;
};

struct Read {
  fifo::StreamInfo first_info, last_info;
  std::vector<Packet> packets;
  bool native = false;  // not a MediaSource
  std::optional<MediaErrc> error;
};

// Writes `bytes` into the FIFO in pieces of the sizes given, in turn; after each piece it waits (a little) for
// the reader to empty the pipe, so that the reader's reads end where the pieces do.
void write_in_pieces(const std::filesystem::path& fifo, const Bytes& bytes, std::vector<size_t> pieces) {
  const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);  // blocks until the reader opens it
  if (fd < 0) return;
  size_t at = 0;
  for (size_t i = 0; at < bytes.size(); ++i) {
    const size_t n = std::min(pieces[i % pieces.size()], bytes.size() - at);
    const ssize_t w = ::write(fd, bytes.data() + at, n);
    if (w <= 0) break;  // the reader gave up (EPIPE)
    at += static_cast<size_t>(w);
    const auto until = std::chrono::steady_clock::now() + 20ms;
    int queued = 0;
    while (::ioctl(fd, FIONREAD, &queued) == 0 && queued > 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(100us);
  }
  ::close(fd);
}

Read read_through_fifo(const test::TempDir& dir, const Bytes& bytes, PipeDemuxer demuxer,
                       std::vector<size_t> pieces = {1, 7, 4093}, const SourceOptions& options = {}) {
  ::signal(SIGPIPE, SIG_IGN);
  const auto fifo = dir / (demuxer == PipeDemuxer::native ? "native.fifo" : "lavf.fifo");
  ::unlink(fifo.c_str());
  EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer(write_in_pieces, fifo, std::cref(bytes), pieces);
  Read r;
  try {
    auto source = open_live_pipe(fifo.string(), options, demuxer);
    r.native = dynamic_cast<MediaSource*>(source.get()) == nullptr;
    r.first_info = source->stream_info();
    MediaPacket p;
    while (source->read(p)) r.packets.push_back({p.data, p.keyframe, p.pts, p.dts, p.duration, p.params_changed});
    r.last_info = source->stream_info();
  } catch (const MediaError& e) {
    r.error = e.code();
    // Unblock a writer still waiting for its reader to open the FIFO.
    const int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    writer.join();
    if (fd >= 0) ::close(fd);
    return r;
  }
  writer.join();
  return r;
}

Bytes file_bytes(const std::filesystem::path& p) {
  const std::string s = test::read_file(p);
  return Bytes(s.begin(), s.end());
}

Bytes encode(const test::TempDir& dir, const std::string& codec, const std::string& file,
             std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {"ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=192x108:rate=30",
                                   "-t", "3", "-c:v", codec, "-bf", "3", "-g", "30"};
  if (codec == "libx265") argv.insert(argv.end(), {"-x265-params", "log-level=error"});
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back((dir / file).string());
  const auto r = test::run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return file_bytes(dir / file);
}

void expect_same(const Read& native, const Read& lavf) {
  ASSERT_FALSE(lavf.error.has_value());
  ASSERT_FALSE(native.error.has_value());
  EXPECT_EQ(native.first_info.tracks, lavf.first_info.tracks);
  EXPECT_EQ(native.last_info.tracks, lavf.last_info.tracks);
  ASSERT_EQ(native.packets.size(), lavf.packets.size());
  for (size_t i = 0; i < native.packets.size(); ++i) {
    const Packet& n = native.packets[i];
    const Packet& l = lavf.packets[i];
    ASSERT_EQ(n.data, l.data) << "access unit " << i;
    EXPECT_EQ(n.keyframe, l.keyframe) << "access unit " << i;
    EXPECT_EQ(n.pts, l.pts) << "access unit " << i;
    EXPECT_EQ(n.dts, l.dts) << "access unit " << i;
    EXPECT_EQ(n.duration, l.duration) << "access unit " << i;
    EXPECT_EQ(n.params_changed, l.params_changed) << "access unit " << i;
  }
}

class AnnexbPipe : public ::testing::TestWithParam<const char*> {
 protected:
  std::string encoder() const { return GetParam(); }
  std::string ext() const { return encoder() == "libx264" ? "h264" : "h265"; }
};

TEST_P(AnnexbPipe, NativeAndLibavformatGiveTheSamePacketsAndStreamInfo) {
  test::TempDir dir;
  const Bytes bytes = encode(dir, encoder(), "in." + ext());
  const Read lavf = read_through_fifo(dir, bytes, PipeDemuxer::libavformat);
  const Read native = read_through_fifo(dir, bytes, PipeDemuxer::native);
  EXPECT_TRUE(native.native);
  EXPECT_FALSE(lavf.native);
  ASSERT_EQ(lavf.packets.size(), 90u);
  expect_same(native, lavf);
  const auto& t = native.last_info.tracks.at(0);
  EXPECT_EQ(t.width, 192u);
  EXPECT_EQ(t.height, 108u);
  EXPECT_FALSE(t.config.empty());
  EXPECT_EQ(native.packets[0].duration * 30, int64_t{t.time_base.den} / t.time_base.num) << "30 fps from the SPS";
  bool reordered = false;
  for (size_t i = 1; i < native.packets.size(); ++i) reordered |= native.packets[i].pts < native.packets[i - 1].pts;
  EXPECT_TRUE(reordered) << "precondition: B-frames";
}

// The pipe opened in the middle of the stream (the camera bridge started first) and cut short in the middle of a
// NAL unit at the end: the same packets on both paths, from the first byte to the last.
TEST_P(AnnexbPipe, AStreamJoinedMidwayAndCutShortGivesTheSamePackets) {
  test::TempDir dir;
  const Bytes whole = encode(dir, encoder(), "in." + ext());
  const Bytes cut(whole.begin() + static_cast<ptrdiff_t>(whole.size() * 2 / 5),
                  whole.end() - static_cast<ptrdiff_t>(whole.size() / 11));
  const Read lavf = read_through_fifo(dir, cut, PipeDemuxer::libavformat);
  const Read native = read_through_fifo(dir, cut, PipeDemuxer::native);
  EXPECT_TRUE(native.native);
  ASSERT_GT(lavf.packets.size(), 20u);
  EXPECT_FALSE(lavf.packets[0].keyframe) << "precondition: joined between keyframes";
  expect_same(native, lavf);
}

// A stream whose SPS declares no frame rate: the raw demuxer's rate (25 fps unless an input option says), on both
// paths.
TEST_P(AnnexbPipe, WithoutTimingInTheSpsBothPathsUseTheDemuxersRate) {
  if (encoder() != "libx265") GTEST_SKIP() << "x264 always writes VUI timing";
  test::TempDir dir;
  const Bytes bytes =
      encode(dir, encoder(), "in.h265", {"-x265-params", "log-level=error:vui-timing-info=0:vui-hrd-info=0"});
  const Read lavf = read_through_fifo(dir, bytes, PipeDemuxer::libavformat);
  const Read native = read_through_fifo(dir, bytes, PipeDemuxer::native);
  expect_same(native, lavf);
  ASSERT_FALSE(native.packets.empty());
  const auto& tb = native.last_info.tracks.at(0).time_base;
  EXPECT_EQ(native.packets[0].duration * 25, int64_t{tb.den} / tb.num);

  // The demuxer's rate given as an input option (`--input-option framerate=10`) is the one both paths use.
  SourceOptions ten_fps;
  ten_fps.format_options["framerate"] = "10";
  const Read lavf10 = read_through_fifo(dir, bytes, PipeDemuxer::libavformat, {4093}, ten_fps);
  const Read native10 = read_through_fifo(dir, bytes, PipeDemuxer::native, {4093}, ten_fps);
  expect_same(native10, lavf10);
  ASSERT_FALSE(native10.packets.empty());
  EXPECT_EQ(native10.packets[0].duration * 10, int64_t{tb.den} / tb.num);
  EXPECT_EQ(native10.packets[1].dts - native10.packets[0].dts, native10.packets[0].duration);
}

// Pictures much larger than the part of an access unit the header parser is given (VideoHeaderParser reads up
// to 2 KiB past the first slice): keyframes and presentation order still those the encoder wrote, as an MP4 of
// the same deterministic encode records them.
TEST_P(AnnexbPipe, LargePicturesKeepTheirKeyframesAndPictureOrder) {
  test::TempDir dir;
  const std::vector<std::string> big = {"-s", "640x360", "-b:v", "6M", "-maxrate", "6M", "-bufsize", "6M"};
  const Bytes bytes = encode(dir, encoder(), "in." + ext(), big);
  encode(dir, encoder(), "ref.mp4", big);
  const Read native = read_through_fifo(dir, bytes, PipeDemuxer::native, {65536});
  ASSERT_FALSE(native.error.has_value());
  MediaSource ref((dir / "ref.mp4").string());
  std::vector<MediaPacket> ref_packets;
  for (MediaPacket p; ref.read(p);) ref_packets.push_back(p);
  ASSERT_EQ(native.packets.size(), ref_packets.size());
  size_t largest = 0;
  for (const auto& p : native.packets) largest = std::max(largest, p.data.size());
  EXPECT_GT(largest, 4u * 2048) << "precondition: access units larger than the parser's window";
  const int64_t nd = native.packets[1].dts - native.packets[0].dts, rd = ref_packets[1].dts - ref_packets[0].dts;
  ASSERT_GT(nd, 0);
  ASSERT_GT(rd, 0);
  for (size_t i = 0; i < native.packets.size(); ++i) {
    EXPECT_EQ(native.packets[i].keyframe, ref_packets[i].keyframe) << "access unit " << i;
    EXPECT_EQ((native.packets[i].pts - native.packets[0].pts) / nd, (ref_packets[i].pts - ref_packets[0].pts) / rd)
        << "access unit " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(X264AndX265, AnnexbPipe, ::testing::Values("libx264", "libx265"),
                         [](const auto& p) { return std::string(p.param) == "libx264" ? "H264" : "H265"; });

// Anything that is not raw H.264/H.265 stays with libavformat, packet for packet as before.
TEST(AnnexbPipeFallback, MpegTsOnAPipeIsStillDemuxedByLibavformat) {
  test::TempDir dir;
  const Bytes bytes = encode(dir, "libx264", "in.ts", {"-f", "mpegts"});
  const Read lavf = read_through_fifo(dir, bytes, PipeDemuxer::libavformat);
  const Read native = read_through_fifo(dir, bytes, PipeDemuxer::native);
  EXPECT_FALSE(native.native);
  ASSERT_EQ(lavf.packets.size(), 90u);
  expect_same(native, lavf);
}

// Bytes that are no video at all: the same typed error on both paths, and no hang.
TEST(AnnexbPipeFallback, GarbageFailsAsLibavformatFailsIt) {
  test::TempDir dir;
  Bytes garbage(200'000);
  uint32_t x = 12345;
  for (auto& b : garbage) b = static_cast<uint8_t>((x = x * 1103515245 + 12345) >> 16);
  const Read lavf = read_through_fifo(dir, garbage, PipeDemuxer::libavformat, {65536});
  const Read native = read_through_fifo(dir, garbage, PipeDemuxer::native, {65536});
  EXPECT_EQ(native.error, lavf.error);
  EXPECT_EQ(native.packets.size(), lavf.packets.size());
}

TEST(AnnexbPipeFallback, AMissingPathIsOpenFailed) {
  try {
    open_live_pipe("/nonexistent/zcrec-pipe");
    FAIL() << "no error";
  } catch (const MediaError& e) {
    EXPECT_EQ(e.code(), MediaErrc::open_failed);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/zcrec-pipe"), std::string::npos);
  }
}

}  // namespace
}  // namespace zc::media

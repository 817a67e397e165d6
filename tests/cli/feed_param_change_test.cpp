// A stream-info generation starts exactly where a real parameter change happens (new SPS bytes, here a new
// resolution), and never for the identical SPS/PPS an encoder re-sends before every keyframe.
#include "cli/media_fixtures.h"
#include "support/test_support.h"

#include <zc/fifo/ring_reader.h>
#include <zc/media/annexb.h>

#include <gtest/gtest.h>

#include <fstream>

namespace zc::test {
namespace {

struct FrameRecord {
  uint64_t generation;
  bool info_changed, params_flag, key;
  uint32_t width, height;
};

std::vector<FrameRecord> read_all(const std::string& name) {
  auto reader = fifo::RingReader::open(name, {.start = fifo::StartAt::oldest_keyframe});
  std::vector<FrameRecord> out;
  fifo::Frame f;
  while (reader.try_read(f) == fifo::ReadStatus::frame) {
    const auto* v = reader.stream_info().first_of(fifo::MediaKind::video);
    out.push_back({f.header.info_generation, f.header.info_changed,
                   (f.header.flags & fifo::frame_flag::params_changed) != 0, f.header.is_key(),
                   v ? v->width : 0, v ? v->height : 0});
  }
  return out;
}

size_t count_sps(const std::string& bytes) {
  size_t n = 0;
  const std::span<const uint8_t> span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  for (auto nal : media::annexb::split(span)) n += media::annexb::is_sps(fifo::Codec::h264, nal);
  return n;
}

TEST(FeedParameterChange, NewResolutionStartsANewGenerationAtItsKeyframe) {
  TempDir dir;
  ScopedStream stream("pchg");
  encode({.size = "320x240", .seconds = 1}, dir / "a.h264");
  encode({.size = "160x120", .seconds = 1}, dir / "b.h264");
  const std::string a = read_file(dir / "a.h264"), b = read_file(dir / "b.h264");
  std::ofstream(dir / "ab.h264", std::ios::binary) << a << b;
  const auto fed = zcrec({"feed", (dir / "ab.h264").string(), "--stream", stream.name(), "--max-rate"});
  ASSERT_EQ(fed.exit_code, 0) << fed.err;

  const auto frames = read_all(stream.name());
  ASSERT_EQ(frames.size(), 60u);
  for (size_t i = 0; i < frames.size(); ++i) {
    const bool second = i >= 30;
    EXPECT_EQ(frames[i].generation, frames[0].generation + (second ? 1 : 0)) << "frame " << i;
    EXPECT_EQ(frames[i].width, second ? 160u : 320u) << "frame " << i;
    EXPECT_EQ(frames[i].height, second ? 120u : 240u) << "frame " << i;
    if (i == 0) continue;  // the first frame carries the first stream info
    EXPECT_EQ(frames[i].params_flag, i == 30) << "frame " << i;
    EXPECT_EQ(frames[i].info_changed, i == 30) << "frame " << i;
  }
  EXPECT_TRUE(frames[30].key);

  const auto out = dir / "out.h264";
  ASSERT_EQ(zcrec({"cat", stream.name(), "--start", "oldest"}, out).exit_code, 0);
  EXPECT_TRUE(read_file(out) == a + b) << "cat must not add parameter sets the keyframes carry in band";
}

TEST(FeedParameterChange, IdenticalResentSpsIsNotAChange) {
  TempDir dir;
  ScopedStream stream("psame");
  encode({.seconds = 4, .gop = 30}, dir / "a.h264");
  ASSERT_GE(count_sps(read_file(dir / "a.h264")), 4u) << "precondition: x264 re-sends the SPS at every keyframe";
  ASSERT_EQ(zcrec({"feed", (dir / "a.h264").string(), "--stream", stream.name(), "--max-rate"}).exit_code, 0);
  const auto frames = read_all(stream.name());
  ASSERT_EQ(frames.size(), 120u);
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].generation, frames[0].generation) << "frame " << i;
    EXPECT_FALSE(frames[i].params_flag && i > 0) << "frame " << i;
  }
}

}  // namespace
}  // namespace zc::test

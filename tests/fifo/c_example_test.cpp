// The C example (examples/c_writer.c) is built and run as a real process; its frames are read back through
// the C++ reader and checked byte for byte against what the example documents it writes.
#include <zc/fifo/ring_reader.h>

#include <gtest/gtest.h>

#include "support/child_process.h"
#include "support/test_support.h"

using namespace zc::fifo;
using namespace zc::test;
using namespace std::chrono_literals;

namespace {

// The access unit c_writer writes for frame n: AUD, SPS+PPS on keyframes, three slices (see c_writer.c).
std::vector<uint8_t> expected_access_unit(uint32_t n, uint32_t gop) {
  const bool key = n % gop == 0;
  std::vector<uint8_t> au{0, 0, 0, 1, 0x09, 0xf0};
  if (key) {
    for (uint8_t b : {0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x47, 0xfe, 0xc8}) au.push_back(b);
    for (uint8_t b : {0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80}) au.push_back(b);
  }
  for (uint32_t s = 0; s < 3; ++s) {
    for (uint8_t b : {0, 0, 0, 1}) au.push_back(b);
    au.push_back(key ? 0x65 : 0x41);
    const uint32_t len = 200u + (n * 37u + s * 101u) % 1500u;
    for (uint32_t i = 0; i < len; ++i) au.push_back(static_cast<uint8_t>(1 + (n * 131u + s * 17u + i * 7u) % 255u));
  }
  return au;
}

}  // namespace

TEST(CExample, CWriterFramesArriveWholeAndInOrder) {
  ScopedStream s("c_example");
  const uint32_t frames = 300, gop = 25;
  auto example = ChildProcess::spawn({ZC_C_EXAMPLE_PATH, s.name(), std::to_string(frames), std::to_string(gop)});
  ReaderOptions ro;
  ro.start = StartAt::oldest_keyframe;
  ro.wait_for_stream = 10s;
  auto st = example.wait(30s);
  ASSERT_TRUE(st);
  ASSERT_TRUE(exited_with(*st, 0)) << describe_status(*st);
  EXPECT_NE(example.read_rest(1s).find("wrote 300 frames"), std::string::npos);

  auto r = RingReader::open(s.name(), ro);
  const auto& info = r.refresh_stream_info();
  ASSERT_EQ(info.tracks.size(), 1u);
  EXPECT_EQ(info.tracks[0].codec, Codec::h264);
  EXPECT_EQ(info.tracks[0].width, 640u);
  Frame f;
  for (uint32_t n = 0; n < frames; ++n) {
    ASSERT_EQ(r.try_read(f), ReadStatus::frame) << "frame " << n;
    EXPECT_EQ(f.header.seq, n + 1);
    EXPECT_EQ(f.header.is_key(), n % gop == 0) << n;
    EXPECT_EQ(f.header.pts, static_cast<int64_t>(n) * 3000);
    ASSERT_EQ(f.payload, expected_access_unit(n, gop)) << "frame " << n;
  }
  EXPECT_EQ(r.try_read(f), ReadStatus::empty);
}

TEST(CExample, CWriterReportsUsageErrors) {
  auto example = ChildProcess::spawn({ZC_C_EXAMPLE_PATH});
  auto st = example.wait(10s);
  ASSERT_TRUE(st);
  EXPECT_TRUE(exited_with(*st, 2)) << describe_status(*st);
  auto bad = ChildProcess::spawn({ZC_C_EXAMPLE_PATH, "../bad name", "3"});
  st = bad.wait(10s);
  ASSERT_TRUE(st);
  EXPECT_TRUE(exited_with(*st, 1)) << describe_status(*st);
}

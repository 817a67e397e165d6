// `zcrec feed FILE` into a ring and `zcrec cat` out of it: raw Annex-B comes back byte for byte, MP4/MKV
// input comes out as Annex-B (and ADTS) that ffprobe reads and that decodes to the same pictures.
#include "cli/media_fixtures.h"
#include "support/test_support.h"

#include <zc/fifo/ring_reader.h>

#include <gtest/gtest.h>

namespace zc::test {
namespace {

void expect_byte_exact_round_trip(const EncodeSpec& spec, const std::string& ext, const std::string& tag) {
  TempDir dir;
  ScopedStream stream(tag);
  const auto input = dir / ("in." + ext);
  encode(spec, input);
  const auto fed = zcrec({"feed", input.string(), "--stream", stream.name(), "--max-rate"});
  ASSERT_EQ(fed.exit_code, 0) << fed.err;
  const auto out = dir / ("out." + ext);
  const auto cat = zcrec({"cat", stream.name(), "--start", "oldest"}, out);
  ASSERT_EQ(cat.exit_code, 0) << cat.err;
  const std::string in_bytes = read_file(input), out_bytes = read_file(out);
  ASSERT_GT(in_bytes.size(), 1000u);
  EXPECT_EQ(out_bytes.size(), in_bytes.size());
  EXPECT_TRUE(out_bytes == in_bytes) << "cat output differs from the fed file";
}

TEST(FeedCat, RawH264WithBFramesComesBackByteForByte) {
  expect_byte_exact_round_trip({.codec = "libx264", .bframes = 2}, "h264", "rt264");
}

TEST(FeedCat, RawH265WithBFramesComesBackByteForByte) {
  expect_byte_exact_round_trip({.codec = "libx265", .bframes = 3}, "h265", "rt265");
}

TEST(FeedCat, Mp4BecomesAnnexBAndAdtsThatDecodeToTheSamePictures) {
  TempDir dir;
  ScopedStream stream("mp4");
  const auto input = dir / "in.mp4";
  encode({.codec = "libx264", .bframes = 2, .audio = true}, input);
  const auto fed = zcrec({"feed", input.string(), "--stream", stream.name(), "--max-rate"});
  ASSERT_EQ(fed.exit_code, 0) << fed.err;

  const auto video = dir / "out.h264";
  ASSERT_EQ(zcrec({"cat", stream.name(), "--start", "oldest"}, video).exit_code, 0);
  EXPECT_EQ(probe_stream(video, "codec_name,width,height,nb_read_frames", "h264"),
            "codec_name=h264\nwidth=320\nheight=240\nnb_read_frames=60\n");
  const auto expected = decoded_frame_md5s(input);
  ASSERT_EQ(expected.size(), 60u);
  EXPECT_EQ(decoded_frame_md5s(video, "h264"), expected);

  const auto audio = dir / "out.aac";
  const auto cat_audio = zcrec({"cat", stream.name(), "--start", "oldest", "--track", "audio"}, audio);
  ASSERT_EQ(cat_audio.exit_code, 0) << cat_audio.err;
  const std::string a = probe_stream(audio, "codec_name,sample_rate,channels", "aac");
  EXPECT_NE(a.find("codec_name=aac"), std::string::npos) << a;
  EXPECT_NE(a.find("sample_rate=48000"), std::string::npos) << a;
}

TEST(FeedCat, MkvH265BecomesAnnexBThatDecodesToTheSamePictures) {
  TempDir dir;
  ScopedStream stream("mkv");
  const auto input = dir / "in.mkv";
  encode({.codec = "libx265", .bframes = 2}, input);
  ASSERT_EQ(zcrec({"feed", input.string(), "--stream", stream.name(), "--max-rate"}).exit_code, 0);
  const auto video = dir / "out.h265";
  ASSERT_EQ(zcrec({"cat", stream.name(), "--start", "oldest"}, video).exit_code, 0);
  const auto expected = decoded_frame_md5s(input);
  ASSERT_EQ(expected.size(), 60u);
  EXPECT_EQ(decoded_frame_md5s(video, "hevc"), expected);
}

TEST(FeedCat, LoopKeepsTimestampsIncreasingWithoutDiscontinuities) {
  TempDir dir;
  ScopedStream stream("loop");
  const auto input = dir / "in.h264";
  encode({.codec = "libx264", .bframes = 2}, input);
  const auto fed = zcrec({"feed", input.string(), "--stream", stream.name(), "--max-rate", "--loop", "--frames", "150"});
  ASSERT_EQ(fed.exit_code, 0) << fed.err;

  auto reader = fifo::RingReader::open(stream.name(), {.start = fifo::StartAt::oldest_keyframe});
  fifo::Frame f;
  int frames = 0;
  int64_t last_dts = INT64_MIN;
  std::string payload;
  while (reader.try_read(f) == fifo::ReadStatus::frame) {
    ++frames;
    EXPECT_GT(f.header.dts, last_dts) << "frame " << frames;
    EXPECT_GE(f.header.pts, f.header.dts) << "frame " << frames;
    EXPECT_EQ(f.header.flags & fifo::frame_flag::discontinuity, 0) << "frame " << frames;
    EXPECT_EQ(f.header.info_generation, 1u) << "frame " << frames;
    last_dts = f.header.dts;
    payload.append(reinterpret_cast<const char*>(f.payload.data()), f.payload.size());
  }
  EXPECT_EQ(frames, 150);
  const std::string once = read_file(input);
  EXPECT_EQ(payload.substr(0, 2 * once.size()), once + once);
}

}  // namespace
}  // namespace zc::test

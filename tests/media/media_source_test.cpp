// MediaSource and TestSource against real encoder output: raw Annex-B gets presentation timestamps that match
// what the MP4 muxer recorded for the same frames, and the synthetic camera keeps its GOP and timestamps.
#include "cli/cli_process.h"

#include <zc/media/error.h>
#include <zc/media/source.h>
#include <zc/media/test_source.h>

#include <gtest/gtest.h>

#include <optional>
#include <sstream>

namespace zc::media {
namespace {

struct Stamps {
  std::vector<int64_t> pts;
  std::vector<bool> key;
  int64_t frame_duration = 0;
};

Stamps read_video(const std::string& path) {
  MediaSource source(path);
  const auto* video = source.stream_info().first_of(fifo::MediaKind::video);
  EXPECT_NE(video, nullptr);
  Stamps s;
  MediaPacket p;
  while (source.read(p)) {
    if (p.track != video->track_id) continue;
    s.pts.push_back(p.pts);
    s.key.push_back(p.keyframe);
    if (s.frame_duration == 0 && p.duration > 0) s.frame_duration = p.duration;
  }
  return s;
}

class RawTimestamps : public ::testing::TestWithParam<const char*> {};

TEST_P(RawTimestamps, FollowThePictureOrderTheMuxerRecorded) {
  const std::string codec = GetParam();
  const std::string ext = codec == "libx264" ? "h264" : "h265";
  test::TempDir dir;
  std::vector<std::string> enc = {"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25",
                                  "-t", "2", "-c:v", codec, "-bf", "3", "-g", "25"};
  if (codec == "libx265") enc.insert(enc.end(), {"-x265-params", "log-level=error"});
  enc.push_back((dir / ("in." + ext)).string());
  ASSERT_EQ(test::run(enc).exit_code, 0);
  // The reference: the same deterministic encode written straight to MP4, which keeps the encoder's pts.
  enc.back() = (dir / "ref.mp4").string();
  ASSERT_EQ(test::run(enc).exit_code, 0);

  const Stamps raw = read_video((dir / ("in." + ext)).string());
  const Stamps ref = read_video((dir / "ref.mp4").string());
  ASSERT_EQ(raw.pts.size(), 50u);
  ASSERT_EQ(ref.pts.size(), raw.pts.size());
  ASSERT_GT(raw.frame_duration, 0);
  ASSERT_GT(ref.frame_duration, 0);
  bool reordered = false;
  for (size_t i = 0; i < raw.pts.size(); ++i) {
    EXPECT_EQ((raw.pts[i] - raw.pts[0]) / raw.frame_duration, (ref.pts[i] - ref.pts[0]) / ref.frame_duration)
        << "frame " << i;
    EXPECT_EQ(raw.key[i], ref.key[i]) << "frame " << i;
    if (i > 0 && raw.pts[i] < raw.pts[i - 1]) reordered = true;
  }
  EXPECT_TRUE(reordered) << "precondition: the encode has B-frames";
}

INSTANTIATE_TEST_SUITE_P(X264AndX265, RawTimestamps, ::testing::Values("libx264", "libx265"));

// MPEG-TS from the ffmpeg command, its clock starting at 4.4 s: the AAC track is fully described before the
// first packet is read (its AudioSpecificConfig from the first ADTS header), no packet reports a config change,
// and video and audio keep their distance from each other (one origin for both: the container's start).
TEST(MediaSource, TransportStreamKeepsOneClockAndKnowsItsAacConfigFromTheStart) {
  test::TempDir dir;
  const auto ts = (dir / "in.ts").string();
  ASSERT_EQ(test::run({"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-f", "lavfi",
                       "-i", "sine=sample_rate=48000", "-t", "2", "-c:v", "libx264", "-bf", "0", "-g", "25", "-c:a",
                       "aac", "-output_ts_offset", "3", ts})
                .exit_code,
            0);
  // The container's own first timestamps (pts) of each stream, in seconds.
  const auto probe = test::run({"ffprobe", "-v", "error", "-show_entries", "stream=start_time", "-of", "csv=p=0", ts});
  std::istringstream in(probe.out);
  double video_start = 0, audio_start = 0;
  in >> video_start >> audio_start;
  ASSERT_GT(video_start, 4.0);

  MediaSource source(ts);
  const auto* audio = source.stream_info().first_of(fifo::MediaKind::audio);
  const auto* video = source.stream_info().first_of(fifo::MediaKind::video);
  ASSERT_NE(audio, nullptr);
  ASSERT_NE(video, nullptr);
  EXPECT_EQ(audio->config, std::vector<uint8_t>({0x11, 0x88}));  // AAC-LC, 48 kHz, mono
  const uint32_t audio_id = audio->track_id, video_id = video->track_id;
  const fifo::Rational atb = audio->time_base, vtb = video->time_base;
  std::optional<double> first_video, first_audio;
  MediaPacket p;
  while (source.read(p)) {
    EXPECT_FALSE(p.params_changed) << "track " << p.track;
    if (p.track == video_id && !first_video) first_video = static_cast<double>(p.pts) * vtb.num / vtb.den;
    if (p.track == audio_id && !first_audio) first_audio = static_cast<double>(p.pts) * atb.num / atb.den;
  }
  ASSERT_TRUE(first_video && first_audio);
  EXPECT_NEAR(*first_video - *first_audio, video_start - audio_start, 1e-4);
  EXPECT_LT(std::min(*first_video, *first_audio), 0.001) << "the source's origin is its start";
}

TEST(MediaSource, MissingFileIsAnOpenError) {
  try {
    MediaSource source("/nonexistent/cam.h264");
    FAIL() << "opened a missing file";
  } catch (const MediaError& e) {
    EXPECT_EQ(e.code(), MediaErrc::open_failed);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/cam.h264"), std::string::npos);
  }
}

TEST(TestSource, KeyframesEveryGopAndTimestampsContinueAcrossLoops) {
  TestSourceOptions o;
  o.width = 160;
  o.height = 96;
  o.fps = 25;
  o.gop_seconds = 0.4;  // 10 frames
  o.bframes = 2;
  o.loop_seconds = 0.8;  // two GOPs, replayed
  TestSource source(o);
  const auto& info = source.stream_info();
  ASSERT_EQ(info.tracks.size(), 1u);
  EXPECT_EQ(info.tracks[0].width, 160u);
  EXPECT_FALSE(info.tracks[0].config.empty());
  MediaPacket p;
  int64_t last_dts = INT64_MIN;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(source.read(p));
    EXPECT_EQ(p.keyframe, i % 10 == 0) << "frame " << i;
    EXPECT_EQ(p.dts - last_dts, i == 0 ? p.dts - last_dts : 3600) << "frame " << i;  // 90 kHz / 25 fps
    EXPECT_GE(p.pts, p.dts);
    EXPECT_FALSE(p.params_changed);
    last_dts = p.dts;
  }
}

TEST(TestSource, ImpossibleOptionsAreRejected) {
  TestSourceOptions o;
  o.codec = fifo::Codec::h264;
  o.bit_depth = 10;
  EXPECT_THROW(TestSource{o}, MediaError);
  o.bit_depth = 8;
  o.width = 99;
  EXPECT_THROW(TestSource{o}, MediaError);
}

}  // namespace
}  // namespace zc::media

// Audio/video timing of recordings made by the real `zcrec feed` and `zcrec start` processes from files the
// ffmpeg command wrote (libx264 + the native AAC encoder) in every container zcrec reads with audio: MPEG-TS
// (timestamps starting near 1.4 s, and 4.4 s with -output_ts_offset 3), Matroska and MP4. The judge is
// ffprobe's packet timestamps of the recording against the source's own (docs/timing.md), and ffprobe's view of
// the AAC track's AudioSpecificConfig.
#include <gtest/gtest.h>

#include "recorder/support/av_sync.h"
#include "recorder/support/cli_helpers.h"
#include "recorder/support/media_check.h"
#include "recorder/support/temp_dir.h"
#include "support/child_process.h"
#include "support/test_support.h"

#include <signal.h>

#include <algorithm>
#include <thread>

using namespace zc::test;
using std::chrono::milliseconds;

namespace {

// 6 s of 320x240 25 fps H.264 (GOP 25, no B-frames) and 48 kHz AAC. The audio is noise, so that every AAC
// frame has bytes of its own and can be found again in the source.
std::filesystem::path av_clip(const std::string& name, const std::vector<std::string>& extra = {}) {
  static TempDir dir("av_clips");
  const auto path = dir.path() / name;
  if (std::filesystem::exists(path)) return path;
  std::vector<std::string> argv{"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                                "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i",
                                "anoisesrc=sample_rate=48000:amplitude=0.3:seed=11", "-t", "6", "-c:v", "libx264",
                                "-pix_fmt", "yuv420p", "-g", "25", "-bf", "0", "-c:a", "aac", "-b:a", "96k"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(path.string());
  EXPECT_EQ(run_command(argv).exit_code, 0) << "ffmpeg could not write " << name;
  return path;
}

std::vector<std::filesystem::path> segments_in(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> out;
  if (std::filesystem::exists(folder))
    for (const auto& e : std::filesystem::directory_iterator(folder))
      if (e.path().extension() == ".mp4") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Every audio frame of `segment` sits where it sat in `source` relative to the segment's first picture, within
// one audio frame; all of them are the source's own frames.
void expect_in_sync(const std::filesystem::path& source, const std::filesystem::path& segment) {
  const AvSync s = measure_av_sync(source, segment);
  ASSERT_GE(s.source_video_index, 0) << s.detail;
  ASSERT_GT(s.audio_frames, 0u) << segment;
  EXPECT_EQ(s.matched, s.audio_frames) << "recorded audio frames that are not the source's";
  EXPECT_LE(s.worst_error_s, s.audio_frame_s) << s.detail;
  ::testing::Test::RecordProperty("worst_av_error_ms", std::to_string(s.worst_error_s * 1000));
  std::printf("%s: %zu audio frames, worst offset %.3f ms (one frame %.3f ms)\n", segment.filename().c_str(),
              s.audio_frames, s.worst_error_s * 1000, s.audio_frame_s * 1000);
}

// ffprobe sees the AudioSpecificConfig: the esds has decoder-specific info, so the profile is known.
void expect_audio_config(const std::filesystem::path& segment) {
  const auto r = run_command({"ffprobe", "-v", "error", "-select_streams", "a", "-show_entries",
                              "stream=codec_name,profile,extradata_size", "-of", "json", segment.string()});
  ASSERT_EQ(r.exit_code, 0);
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["streams"].size(), 1u) << segment << " has no audio track";
  EXPECT_EQ(j["streams"][0]["profile"], "LC") << segment;
  EXPECT_GE(j["streams"][0].value("extradata_size", 0), 2) << segment;
}

class AvTiming : public ::testing::TestWithParam<std::pair<const char*, std::vector<std::string>>> {};

TEST_P(AvTiming, WholeFileRecordingKeepsAudioWithItsVideoInOneSegmentWithAudioConfig) {
  const auto& [name, extra] = GetParam();
  const auto source = av_clip(name, extra);
  ScopedStream stream("avt");
  TempDir d("avt");
  ASSERT_EQ(zcrec({"feed", source.string(), "--stream", stream.name(), "--max-rate"}).exit_code, 0);
  const auto r = zcrec({"start", stream.name(), "--preroll", "60s", "--postroll", "0", "--writer-grace", "0",
                        "--dir", (d.path() / "store").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto segments = segments_in(d.path() / "store" / stream.name());
  // A config learned late used to cut a 1-second segment with params_changed.
  ASSERT_EQ(segments.size(), 1u) << r.out;
  expect_audio_config(segments[0]);
  expect_in_sync(source, segments[0]);
  EXPECT_EQ(measure_av_sync(source, segments[0]).source_video_index, 0) << "the whole file was recorded";
}

INSTANTIATE_TEST_SUITE_P(
    Containers, AvTiming,
    ::testing::Values(std::make_pair("offset3.ts", std::vector<std::string>{"-output_ts_offset", "3"}),
                      std::make_pair("plain.ts", std::vector<std::string>{}),
                      std::make_pair("clip.mkv", std::vector<std::string>{}),
                      std::make_pair("clip.mp4", std::vector<std::string>{})),
    [](const auto& param_info) {
      std::string n = param_info.param.first;
      std::replace(n.begin(), n.end(), '.', '_');
      return n;
    });

// A recording triggered 2.5 s into a stream paced like a camera starts at the keyframe before, and rotates every
// second: each segment starts at a keyframe somewhere in the stream, with the audio frames' phase against it
// different each time, and each must have its audio in place relative to its own first picture.
TEST(AvTimingMidStream, EverySegmentOfARecordingStartedMidStreamKeepsAudioWithItsVideo) {
  const auto source = av_clip("offset3.ts", {"-output_ts_offset", "3"});
  ScopedStream stream("avt_mid");
  TempDir d("avt_mid");
  auto feed = ChildProcess::spawn({ZCREC_BIN, "feed", source.string(), "--stream", stream.name()});
  std::this_thread::sleep_for(milliseconds(2500));
  const auto r = zcrec({"start", stream.name(), "--preroll", "0", "--duration", "2.5s", "--postroll", "0",
                        "--segment", "1s", "--dir", (d.path() / "store").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  feed.kill(SIGTERM);
  feed.wait(milliseconds(5000));
  const auto segments = segments_in(d.path() / "store" / stream.name());
  ASSERT_GE(segments.size(), 2u) << r.out;
  EXPECT_GE(measure_av_sync(source, segments.front()).source_video_index, 25)
      << "the recording should start at a later keyframe, not the file's first";
  for (const auto& s : segments) {
    SCOPED_TRACE(s.filename().string());
    // The recording's end may come just after a rotation: its last segment can then be a sliver of a picture or
    // two whose audio had not reached the ring yet (seen in a CI run under load: 0 audio frames). Such a tail
    // holds no audio to be in or out of sync; anything longer must have it.
    if (s == segments.back() && measure_av_sync(source, s).audio_frames == 0) {
      const auto v = run_command({"ffprobe", "-v", "error", "-select_streams", "v", "-count_packets", "-show_entries",
                                  "stream=nb_read_packets", "-of", "csv=p=0", s.string()});
      ASSERT_EQ(v.exit_code, 0);
      EXPECT_LE(std::stoi(v.out), 3) << "a last segment of more than a sliver without audio";
      continue;
    }
    expect_audio_config(s);
    expect_in_sync(source, s);
  }
}

}  // namespace

// `zcrec export` on a real catalog of libx264 fragmented-MP4 segments, judged by ffprobe and ffmpeg.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "playback/media_tools.h"

#include <fstream>
#include <sstream>

using zc::test::TempDir;

namespace {

const std::string kZcrec = ZCREC_BIN;
constexpr int64_t kT0 = 1'764'150'000'000'000'000;  // 2025-11-26T09:40:00Z
constexpr int64_t kSecond = 1'000'000'000;

// Offsets of the top-level boxes named `a` and `b` in an MP4 file.
std::pair<size_t, size_t> box_offsets(const std::filesystem::path& file, const std::string& a, const std::string& b) {
  std::ifstream in(file, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t pa = std::string::npos, pb = std::string::npos;
  for (size_t off = 0; off + 8 <= bytes.size();) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + off);
    const uint64_t size = (uint64_t{p[0]} << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    const std::string type(bytes.data() + off + 4, 4);
    if (type == a && pa == std::string::npos) pa = off;
    if (type == b && pb == std::string::npos) pb = off;
    if (size < 8) break;
    off += size;
  }
  return {pa, pb};
}

// Seconds from the first video frame's pts to the end of the last one (pts + duration), from ffprobe's packets.
double presented_span(const std::filesystem::path& file) {
  double first = 1e9, end = 0;
  std::istringstream packets(zc::test::ffprobe({"-select_streams", "v:0", "-show_entries",
                                                "packet=pts_time,duration_time", "-of", "csv=p=0", file.string()}));
  for (std::string line; std::getline(packets, line);) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    const double pts = std::stod(line.substr(0, comma)), dur = std::stod(line.substr(comma + 1));
    first = std::min(first, pts);
    end = std::max(end, pts + dur);
  }
  return end - first;
}

class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(store_ / "cam");
  }
  // Segments of `clip` entered at the given start offsets (seconds after kT0).
  void record(const std::filesystem::path& clip, const std::string& prefix, const std::vector<double>& starts,
              int64_t first_ordinal, int64_t recording = 0) {
    const auto segs = zc::test::make_segments(clip, store_ / "cam", prefix, 2);
    ASSERT_EQ(segs.size(), starts.size());
    auto catalog = zc::catalog::Catalog::open(store_.path());
    const int64_t rec = recording != 0 ? recording : zc::test::begin_recording(catalog, "cam", kT0);
    for (size_t i = 0; i < segs.size(); ++i)
      zc::test::add_segment(catalog, rec, first_ordinal + static_cast<int64_t>(i), segs[i],
                            kT0 + static_cast<int64_t>(starts[i] * 1e9));
  }
  nlohmann::json export_json(const std::filesystem::path& out, int expect_rc = 0) {
    std::string stdout_text;
    EXPECT_EQ(zc::test::run({kZcrec, "export", "--stream", "cam", "--from", "@1764150000", "--to", "@1764150100",
                             "--dir", store_.path().string(), "-o", out.string(), "--json"},
                            &stdout_text),
              expect_rc);
    return nlohmann::json::parse(stdout_text);
  }

  TempDir work_, store_;
};

}  // namespace

TEST_F(ExportTest, ThreeSegmentsAndAGapBecomeOneFaststartMp4WithEveryFrame) {
  const auto clip = work_ / "src.mp4";
  zc::test::make_clip(clip, 6.0);
  record(clip, "seg", {0, 2, 7}, 0);
  const auto out = work_ / "clip.mp4";
  const auto j = export_json(out);
  ASSERT_EQ(j["files"].size(), 1u);
  EXPECT_EQ(j["gaps"], 1);
  EXPECT_EQ(j["files"][0]["video_frames"], 180);

  const auto [moov, mdat] = box_offsets(out, "moov", "mdat");
  ASSERT_NE(moov, std::string::npos);
  EXPECT_LT(moov, mdat);  // the movie header is at the front
  const auto probe = zc::test::ffprobe({"-count_frames", "-select_streams", "v:0", "-show_entries",
                                        "stream=codec_name,nb_read_frames:format=duration", "-of", "json",
                                        out.string()});
  const auto p = nlohmann::json::parse(probe);
  EXPECT_EQ(p["streams"][0]["codec_name"], "h264");
  EXPECT_EQ(p["streams"][0]["nb_read_frames"], "180");
  EXPECT_NEAR(std::stod(p["format"]["duration"].get<std::string>()), 9.0, 0.2);  // 6 s of video + a 3 s gap
  const auto first = zc::test::ffprobe({"-select_streams", "v:0", "-show_entries", "frame=key_frame",
                                        "-read_intervals", "%+#1", "-of", "csv=p=0", out.string()});
  EXPECT_EQ(first.substr(0, 1), "1");
  EXPECT_EQ(zc::test::frame_hashes(out), zc::test::frame_hashes(clip));  // no re-encoding: the same pictures
}

TEST_F(ExportTest, AParameterChangeStartsASecondFile) {
  const auto small = work_ / "small.mp4", large = work_ / "large.mp4";
  zc::test::make_clip(small, 4.0, "320x240");
  zc::test::make_clip(large, 2.0, "640x360");
  record(small, "a", {0, 2}, 0);
  {
    auto catalog = zc::catalog::Catalog::open(store_.path());
    const auto segs = zc::test::make_segments(large, store_ / "cam", "b", 2);
    ASSERT_EQ(segs.size(), 1u);
    zc::test::add_segment(catalog, 1, 2, segs[0], kT0 + 4 * kSecond);
  }
  const auto out = work_ / "clip.mp4";
  const auto j = export_json(out);
  ASSERT_EQ(j["files"].size(), 2u);
  EXPECT_EQ(j["files"][0]["path"], out.string());
  EXPECT_EQ(j["files"][1]["path"], (work_ / "clip-2.mp4").string());
  EXPECT_EQ(j["files"][0]["width"], 320);
  EXPECT_EQ(j["files"][1]["width"], 640);
  EXPECT_EQ(zc::test::frame_hashes(out).size(), 120u);
  EXPECT_EQ(zc::test::frame_hashes(work_ / "clip-2.mp4"), zc::test::frame_hashes(large));
}

TEST_F(ExportTest, ATruncatedSegmentInTheMiddleIsNamedAndTheRestIsExported) {
  const auto clip = work_ / "src.mp4";
  zc::test::make_clip(clip, 6.0);
  record(clip, "seg", {0, 2, 4}, 0);
  const auto mid = store_ / "cam" / "seg001.mp4";
  std::filesystem::resize_file(mid, std::filesystem::file_size(mid) / 2);
  const auto out = work_ / "clip.mp4";
  const auto j = export_json(out, 1);
  ASSERT_EQ(j["segment_errors"].size(), 1u);
  EXPECT_NE(j["segment_errors"][0].get<std::string>().find("seg001.mp4"), std::string::npos);
  const auto frames = j["files"][0]["video_frames"].get<int>();
  EXPECT_GT(frames, 120);
  EXPECT_LT(frames, 180);
  EXPECT_EQ(zc::test::frame_hashes(out).size(), static_cast<size_t>(frames));
}

// 2 s of 25 fps exported whole: 50 frames reported, 50 decoded, and 2.000 s (last pts − first pts + one frame) in
// the track and its edit list, as a stream copy by the ffmpeg command gives; with and without B-frames and audio.
TEST_F(ExportTest, TheLastFrameOfAFileIsKeptWithItsDuration) {
  for (const int bframes : {0, 2}) {
    for (const bool audio : {false, true}) {
      SCOPED_TRACE("bframes " + std::to_string(bframes) + (audio ? " with audio" : ""));
      TempDir work, store;
      std::filesystem::create_directories(store / "cam");
      const auto clip = work / "src.mp4";
      zc::test::make_clip(clip, 2.0, "320x240", 25, 25, audio, bframes);
      const auto segs = zc::test::make_segments(clip, store / "cam", "seg", 10);
      ASSERT_EQ(segs.size(), 1u);
      {
        auto catalog = zc::catalog::Catalog::open(store.path());
        zc::test::add_segment(catalog, zc::test::begin_recording(catalog, "cam", kT0), 0, segs[0], kT0);
      }
      const auto out = work / "clip.mp4";
      std::string stdout_text;
      ASSERT_EQ(zc::test::run({kZcrec, "export", "--stream", "cam", "--from", "@1764150000", "--to", "@1764150100",
                               "--dir", store.path().string(), "-o", out.string(), "--json"},
                              &stdout_text),
                0);
      const auto j = nlohmann::json::parse(stdout_text);
      ASSERT_EQ(j["files"].size(), 1u);
      EXPECT_EQ(j["files"][0]["video_frames"], 50);
      EXPECT_EQ(zc::test::ffprobe({"-count_frames", "-select_streams", "v:0", "-show_entries",
                                   "stream=nb_read_frames", "-of", "csv=p=0", out.string()}),
                "50\n");
      // Presented from the first pts to the last one's end, as in the segment (the ffmpeg command's segmenter
      // moves the first video frame a little when there is audio, so that span is not always exactly 2 s).
      EXPECT_NEAR(presented_span(out), presented_span(segs[0]), 0.0005);
      if (!audio) {
        EXPECT_NEAR(presented_span(out), 2.0, 0.0005);
      }
      EXPECT_EQ(zc::test::frame_hashes(out), zc::test::frame_hashes(clip));
    }
  }
}

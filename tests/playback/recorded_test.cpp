// End to end with the real recorder: `zcrec feed` (synthetic libx264/libx265 camera) into a live ring,
// `zcrec start` recording it into catalogued fMP4 segments, then `zcrec play` and `zcrec export` on that range.
#include <zc/fifo/playback_fifo.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "playback/media_tools.h"
#include "support/test_support.h"

using namespace std::chrono_literals;
using zc::test::CapturedProcess;
using zc::test::ScopedStream;
using zc::test::TempDir;

namespace {

const std::string kZcrec = ZCREC_BIN;

std::string unix_arg(int64_t ns) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "@%lld.%09lld", static_cast<long long>(ns / 1'000'000'000),
                static_cast<long long>(ns % 1'000'000'000));
  return buf;
}

class Recorded : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(Recorded, RecordingPlaysAndExportsFrameForFrame) {
  const std::string codec = GetParam();
  ScopedStream cam("rec_" + codec);
  TempDir store, work;
  CapturedProcess feed({kZcrec, "feed", "testsrc", "-s", cam.name(), "--size", "320x240", "--gop", "1", "--codec", codec,
                     "--duration", "8s"});
  ASSERT_EQ(zc::test::run({kZcrec, "start", cam.name(), "--preroll", "1s", "--duration", "4s", "--postroll", "0",
                           "--segment", "2s", "--dir", store.path().string(), "--wait", "5"}),
            0);
  feed.kill();
  feed.wait();

  int64_t from = 0, to = 0, frames = 0;
  std::vector<std::string> segment_hashes;
  {
    auto catalog = zc::catalog::Catalog::open(store.path());
    const auto segs = catalog.segments(cam.name());
    ASSERT_GE(segs.size(), 2u);
    from = segs.front().start_wall_ns;
    to = segs.back().end_wall_ns + 1;
    for (const auto& s : segs) {
      frames += s.frames;
      for (auto& h : zc::test::frame_hashes(catalog.absolute_path(s))) segment_hashes.push_back(h);
    }
  }
  ASSERT_EQ(static_cast<int64_t>(segment_hashes.size()), frames);

  // Export: one faststart MP4 with every recorded frame, decoding to the same pictures.
  const auto clip = work / "clip.mp4";
  std::string out;
  ASSERT_EQ(zc::test::run({kZcrec, "export", "--stream", cam.name(), "--from", unix_arg(from), "--to", unix_arg(to),
                           "--dir", store.path().string(), "-o", clip.string(), "--json"},
                          &out),
            0);
  EXPECT_EQ(nlohmann::json::parse(out)["files"][0]["video_frames"].get<int64_t>(), frames);
  EXPECT_EQ(zc::test::frame_hashes(clip), segment_hashes);
  const auto tag = zc::test::ffprobe({"-select_streams", "v:0", "-show_entries", "stream=codec_tag_string", "-of",
                                      "csv=p=0", clip.string()});
  EXPECT_EQ(tag.substr(0, 4), codec == "h265" ? "hvc1" : "avc1");

  // Play through a playback fifo: the reader gets every frame, which decodes to the same pictures.
  ScopedStream fifo("recplay_" + codec);
  CapturedProcess play({kZcrec, "play", "--stream", cam.name(), "--from", unix_arg(from), "--to", unix_arg(to), "--dir",
                     store.path().string(), "--fifo", fifo.name(), "--max"});
  zc::fifo::PlaybackReaderOptions ro;
  ro.wait_for_fifo = 10s;
  auto r = zc::fifo::PlaybackReader::open(fifo.name(), ro);
  const auto path = work / (codec == "h265" ? "played.h265" : "played.h264");
  {
    std::ofstream es(path, std::ios::binary);
    zc::fifo::Frame f;
    while (r.read(f, 10s) == zc::fifo::PlaybackStatus::frame)
      es.write(reinterpret_cast<const char*>(f.payload.data()), static_cast<std::streamsize>(f.payload.size()));
  }
  EXPECT_EQ(play.wait(), 0);
  EXPECT_EQ(zc::test::frame_hashes(path), segment_hashes);
}

INSTANTIATE_TEST_SUITE_P(Codecs, Recorded, ::testing::Values("h264", "h265"));

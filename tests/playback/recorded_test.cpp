// End to end with the real recorder: `zcrec feed` (synthetic libx264/libx265 camera) into a live ring,
// `zcrec start` recording it into catalogued fMP4 segments, then `zcrec play` and `zcrec export` on that range,
// and a start inside a segment through the recorder's keyframe index.
#include <zc/fifo/playback_fifo.h>
#include <zc/playback/player.h>
#include <zc/playback/timeline.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "playback/collecting_sink.h"
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

  // The recorder's own index: every keyframe row names the moof of its fragment, and a start inside a segment
  // jumps there (docs/playback.md, "Seeking"), sending what a read from the segment's start sends.
  auto catalog = zc::catalog::Catalog::open_existing(store.path(), zc::catalog::Catalog::Access::read_only);
  const auto segs = catalog.segments(cam.name());
  for (const auto& s : segs)
    for (const auto& k : catalog.keyframes(s.id)) {
      std::ifstream in(catalog.absolute_path(s), std::ios::binary);
      in.seekg(k.byte_offset + 4);
      char type[4] = {};
      in.read(type, 4);
      EXPECT_EQ(std::string(type, 4), "moof") << catalog.absolute_path(s) << " keyframe " << k.sample_number;
    }
  const int64_t mid = segs.front().start_wall_ns + 1'200'000'000;
  auto play_from_mid = [&](bool offsets, zc::test::CollectingSink& sink) {
    auto t = zc::playback::Timeline::of_catalog(catalog, cam.name(), mid, to);
    if (!offsets)
      for (auto& k : t.segments[0].keyframes) k.moof_offset.reset();
    zc::playback::PlayOptions o;
    o.max = true;
    return zc::playback::Player(std::move(t), o).run(sink);
  };
  zc::test::CollectingSink jumped, from_start;
  const auto pr = play_from_mid(true, jumped);
  EXPECT_EQ(pr.index_jumps, 1u);
  EXPECT_EQ(pr.index_fallbacks, 0u);
  play_from_mid(false, from_start);
  zc::test::expect_same_frames(jumped, from_start);
  ASSERT_FALSE(jumped.frames().empty());
  EXPECT_GT(jumped.frames()[0].meta.wall_ns, segs.front().start_wall_ns);  // not the segment's first keyframe
}

INSTANTIATE_TEST_SUITE_P(Codecs, Recorded, ::testing::Values("h264", "h265"));

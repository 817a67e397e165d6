// `zcrec play` as a real process on real libx264 clips: what it sends through a playback fifo (or stdout)
// decodes to the source's frames; pacing, speed, keyframes-only both ways, control requests; catalog ranges
// across segments and a gap; a truncated segment in the middle.
#include <zc/fifo/error.h>
#include <zc/fifo/playback_fifo.h>

#include <gtest/gtest.h>

#include "playback/media_tools.h"
#include "support/test_support.h"

#include <algorithm>
#include <fstream>
#include <memory>

using namespace zc::fifo;
using namespace std::chrono_literals;
using zc::test::CapturedProcess;
using zc::test::ScopedStream;
using zc::test::TempDir;
using SteadyClock = std::chrono::steady_clock;  // not zc::fifo::Clock (the using-directive above brings that in)

namespace {

const std::string kZcrec = ZCREC_BIN;
constexpr int64_t kT0 = 1'764'150'000'000'000'000;  // 2025-11-26T09:40:00Z
constexpr int64_t kSecond = 1'000'000'000;

struct Received {
  Frame frame;
  SteadyClock::time_point at;
};

// Reads a playback fifo to its end (or until `limit` frames).
std::vector<Received> read_all(PlaybackReader& r, size_t limit = SIZE_MAX) {
  std::vector<Received> got;
  Frame f;
  while (got.size() < limit) {
    const auto st = r.read(f, 10s);
    if (st != PlaybackStatus::frame) break;
    got.push_back({f, SteadyClock::now()});
  }
  return got;
}

PlaybackReader open_reader(const std::string& name) {
  PlaybackReaderOptions o;
  o.wait_for_fifo = 10s;
  return PlaybackReader::open(name, o);
}

// Writes the video payloads into an Annex-B file for ffmpeg to decode.
std::filesystem::path write_video(const std::vector<Received>& frames, const StreamInfo& info,
                                  const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary);
  const uint32_t video = info.first_of(MediaKind::video)->track_id;
  for (const auto& r : frames)
    if (r.frame.header.track == video)
      out.write(reinterpret_cast<const char*>(r.frame.payload.data()), static_cast<std::streamsize>(r.frame.payload.size()));
  return path;
}

std::vector<Received> video_only(const std::vector<Received>& frames, const StreamInfo& info) {
  std::vector<Received> v;
  const uint32_t video = info.first_of(MediaKind::video)->track_id;
  for (const auto& r : frames)
    if (r.frame.header.track == video) v.push_back(r);
  return v;
}

class Media : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    clip_ = *dir_ / "clip.mp4";
    zc::test::make_clip(clip_, 4.0);
    clip_hashes_ = zc::test::frame_hashes(clip_);
    long_clip_ = *dir_ / "long.mp4";
    zc::test::make_clip(long_clip_, 6.0);
    std::filesystem::create_directories(*dir_ / "store" / "cam");
    segments_ = zc::test::make_segments(long_clip_, *dir_ / "store" / "cam", "seg", 2);
  }
  static void TearDownTestSuite() { dir_.reset(); }

  static inline std::unique_ptr<TempDir> dir_;
  static inline std::filesystem::path clip_, long_clip_;
  static inline std::vector<std::string> clip_hashes_;
  static inline std::vector<std::filesystem::path> segments_;
};

}  // namespace

TEST_F(Media, FileReplayedThroughASmallFifoToASlowReaderDecodesToTheSourceFrames) {
  ScopedStream s("pl_md5");
  CapturedProcess play({kZcrec, "play", clip_.string(), "--fifo", s.name(), "--max", "--fifo-size", "64K"});
  auto r = open_reader(s.name());
  std::vector<Received> got;
  Frame f;
  for (PlaybackStatus st; (st = r.read(f, 10s)) == PlaybackStatus::frame;) {
    got.push_back({f, SteadyClock::now()});
    std::this_thread::sleep_for(1ms);  // a reader slower than the player: the player must wait, not drop
  }
  EXPECT_EQ(play.wait(), 0);
  const auto video = video_only(got, r.stream_info());
  EXPECT_EQ(video.size(), 120u);
  EXPECT_GT(got.size(), video.size());  // the AAC track came along
  TempDir out;
  EXPECT_EQ(zc::test::frame_hashes(write_video(got, r.stream_info(), out / "out.h264")), clip_hashes_);
}

TEST_F(Media, AnnexbOnStdoutDecodesToTheSourceFrames) {
  TempDir out;
  const auto path = out / "out.h264";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  CapturedProcess play({kZcrec, "play", clip_.string(), "--out", "-", "--max"}, fd);
  ::close(fd);
  EXPECT_EQ(play.wait(), 0);
  EXPECT_EQ(zc::test::frame_hashes(path), clip_hashes_);
}

TEST_F(Media, RealTimeAndDoubleSpeedPacingIsNeverAheadOfTheTimestamps) {
  for (const double speed : {1.0, 2.0}) {
    ScopedStream s("pl_pace");
    CapturedProcess play({kZcrec, "play", clip_.string(), "--fifo", s.name(), "--speed", std::to_string(speed),
                       "--no-audio"});
    auto r = open_reader(s.name());
    const auto got = read_all(r);
    EXPECT_EQ(play.wait(), 0);
    ASSERT_EQ(got.size(), 120u);
    int64_t first_wall = got.front().frame.header.wall_ns, max_wall = first_wall;
    for (const auto& g : got) max_wall = std::max(max_wall, g.frame.header.wall_ns);
    const double media_s = static_cast<double>(max_wall - first_wall) / 1e9 / speed;
    const double real_s = std::chrono::duration<double>(got.back().at - got.front().at).count();
    // Pacing can only be late, never early: the lower bound is the claim. A late last frame is the machine's
    // scheduler (a busy CI host), so the upper bound only has to tell this speed from the next slower one.
    EXPECT_GE(real_s, media_s * 0.95) << "speed " << speed;
    EXPECT_LE(real_s, media_s * 1.05 + 1.0) << "speed " << speed;
  }
}

TEST_F(Media, KeyframesOnlyForwardAndBackwardSendTheSourceKeyframes) {
  const auto key_hashes = zc::test::frame_hashes(clip_, {"-skip_frame", "nokey"});
  ASSERT_EQ(key_hashes.size(), 4u);
  for (const bool reverse : {false, true}) {
    ScopedStream s("pl_keys");
    std::vector<std::string> args = {kZcrec, "play", clip_.string(), "--fifo", s.name(), "--max",
                                     "--keyframes-only"};
    if (reverse) args.push_back("--reverse");
    CapturedProcess play(args);
    auto r = open_reader(s.name());
    const auto got = read_all(r);
    EXPECT_EQ(play.wait(), 0);
    ASSERT_EQ(got.size(), 4u);
    for (size_t i = 1; i < got.size(); ++i) {
      EXPECT_TRUE(got[i].frame.header.is_key());
      EXPECT_EQ(got[i].frame.header.wall_ns < got[i - 1].frame.header.wall_ns, reverse);
    }
    TempDir out;
    auto want = key_hashes;
    if (reverse) std::reverse(want.begin(), want.end());
    EXPECT_EQ(zc::test::frame_hashes(write_video(got, r.stream_info(), out / "keys.h264")), want);
  }
}

TEST_F(Media, SeekPauseAndSpeedRequestsAreObeyedAndAcknowledged) {
  ScopedStream s("pl_ctl");
  CapturedProcess play({kZcrec, "play", clip_.string(), "--fifo", s.name(), "--no-audio"});
  auto r = open_reader(s.name());
  auto first = read_all(r, 3);
  ASSERT_EQ(first.size(), 3u);
  const int64_t origin = first.front().frame.header.wall_ns;

  // Seek to 2.5 s: playback restarts at the keyframe at 2.0 s; 2.0 .. 2.5 s is decode-only.
  const uint64_t g = r.seek(origin + 2'500'000'000);
  auto after = read_all(r, 20);
  ASSERT_EQ(after.size(), 20u);
  EXPECT_GE(r.acknowledged_generation(), g);
  EXPECT_TRUE(after[0].frame.header.is_key());
  EXPECT_EQ(after[0].frame.header.wall_ns - origin, 2 * kSecond);
  EXPECT_NE(after[0].frame.header.flags & frame_flag::discontinuity, 0);
  for (const auto& a : after)
    EXPECT_EQ((a.frame.header.flags & frame_flag::decode_only) != 0, a.frame.header.wall_ns - origin < 2'500'000'000)
        << a.frame.header.wall_ns - origin;

  // Pause: once acknowledged and drained, nothing comes for half a second; resume brings frames back.
  const uint64_t pg = r.pause();
  Frame f;
  const auto deadline = SteadyClock::now() + 2s;
  while (r.acknowledged_generation() < pg && SteadyClock::now() < deadline) r.read(f, 20ms);
  ASSERT_GE(r.acknowledged_generation(), pg);
  while (r.read(f, 100ms) == PlaybackStatus::frame) {
  }
  EXPECT_EQ(r.read(f, 500ms), PlaybackStatus::timeout);
  r.resume();
  EXPECT_EQ(r.read(f, 300ms), PlaybackStatus::frame);

  // Speed 4: 20 frames of 1/30 s take about 1/6 s instead of 2/3 s.
  const uint64_t sg = r.set_speed(4.0);
  while (r.acknowledged_generation() < sg) ASSERT_EQ(r.read(f, 2s), PlaybackStatus::frame);
  const auto fast = read_all(r, 21);
  ASSERT_EQ(fast.size(), 21u);
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const auto& x : fast) {
    lo = std::min(lo, x.frame.header.wall_ns);
    hi = std::max(hi, x.frame.header.wall_ns);
  }
  const double real_s = std::chrono::duration<double>(fast.back().at - fast.front().at).count();
  EXPECT_LT(real_s, static_cast<double>(hi - lo) / 1e9 / 2);  // clearly faster than real time
  EXPECT_GT(real_s, static_cast<double>(hi - lo) / 1e9 / 8);  // and paced, not flat out
  play.kill();
}

TEST_F(Media, CatalogRangeStartsAtTheKeyframeBeforeFromAndAnnouncesTheGap) {
  TempDir store;
  std::filesystem::create_directories(store / "cam");
  for (const auto& seg : segments_) std::filesystem::copy_file(seg, store / "cam" / seg.filename());
  {
    auto catalog = zc::catalog::Catalog::open(store.path());
    const int64_t rec = zc::test::begin_recording(catalog, "cam", kT0);
    ASSERT_EQ(segments_.size(), 3u);
    // seg000 at T0, seg001 right after, seg002 after a 3 s hole.
    zc::test::add_segment(catalog, rec, 0, store / "cam" / "seg000.mp4", kT0);
    zc::test::add_segment(catalog, rec, 1, store / "cam" / "seg001.mp4", kT0 + 2 * kSecond);
    zc::test::add_segment(catalog, rec, 2, store / "cam" / "seg002.mp4", kT0 + 7 * kSecond);
  }
  ScopedStream s("pl_cat");
  CapturedProcess play({kZcrec, "play", "--stream", "cam", "--from", "@1764150000.5", "--to", "@1764150100",
                     "--dir", store.path().string(), "--fifo", s.name(), "--max", "--no-audio"});
  auto r = open_reader(s.name());
  const auto got = read_all(r);
  EXPECT_EQ(play.wait(), 0);
  ASSERT_EQ(got.size(), 180u);
  EXPECT_EQ(got[0].frame.header.wall_ns, kT0);
  EXPECT_TRUE(got[0].frame.header.is_key());
  size_t decode_only = 0, discontinuities = 0;
  for (const auto& g : got) {
    const bool early = g.frame.header.wall_ns < kT0 + kSecond / 2;
    EXPECT_EQ((g.frame.header.flags & frame_flag::decode_only) != 0, early);
    decode_only += early;
    if (g.frame.header.flags & frame_flag::discontinuity) {
      ++discontinuities;
      EXPECT_EQ(g.frame.header.wall_ns, kT0 + 7 * kSecond);  // the first frame after the hole
    }
  }
  EXPECT_EQ(decode_only, 15u);
  EXPECT_EQ(discontinuities, 1u);
  TempDir out;
  EXPECT_EQ(zc::test::frame_hashes(write_video(got, r.stream_info(), out / "range.h264")),
            zc::test::frame_hashes(long_clip_));

  // A truncated segment in the middle: a clear error naming it, and the segments around it still play.
  std::filesystem::resize_file(store / "cam" / "seg001.mp4", std::filesystem::file_size(store / "cam" / "seg001.mp4") / 2);
  ScopedStream s2("pl_trunc");
  CapturedProcess play2({kZcrec, "play", "--stream", "cam", "--from", "@1764150000", "--to", "@1764150100",
                      "--dir", store.path().string(), "--fifo", s2.name(), "--max", "--no-audio"},
                     -1, true);
  auto r2 = open_reader(s2.name());
  const auto got2 = read_all(r2);
  EXPECT_EQ(play2.wait(), 1);
  EXPECT_GT(got2.size(), 120u);
  EXPECT_LT(got2.size(), 180u);
  EXPECT_EQ(got2.back().frame.header.wall_ns >= kT0 + 7 * kSecond, true);  // the segment after it played
  EXPECT_NE(play2.output().find("seg001.mp4"), std::string::npos) << play2.output();
  EXPECT_NE(play2.output().find("2025-11-26T09:40:0"), std::string::npos) << play2.output();
}

TEST_F(Media, BadInputGetsAClearErrorAndExitCode) {
  TempDir d;
  std::ofstream(d / "junk.mp4") << "this is not a video file at all";
  std::string out;
  EXPECT_EQ(zc::test::run({kZcrec, "play", (d / "junk.mp4").string(), "--out", "-"}, &out), 1);
  EXPECT_EQ(zc::test::run({kZcrec, "play", (d / "missing.mp4").string(), "--out", "-"}), 2);
  EXPECT_EQ(zc::test::run({kZcrec, "play", clip_.string(), "--out", "-", "--speed", "32"}), 2);
  EXPECT_EQ(zc::test::run({kZcrec, "play", clip_.string()}), 2);
  EXPECT_EQ(zc::test::run({kZcrec, "play", "--stream", "cam", "--from", "yesterday", "--to", "now", "--out", "-"}), 2);
  EXPECT_EQ(zc::test::run({kZcrec, "play", "--help"}), 0);
}

TEST_F(Media, ZcrecCatReadsAPlaybackFifoLikeALiveRing) {
  ScopedStream s("pl_cat");
  TempDir out;
  const auto path = out / "cat.h264";
  CapturedProcess play({kZcrec, "play", clip_.string(), "--fifo", s.name(), "--max", "--fifo-size", "128K"});
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  CapturedProcess cat({kZcrec, "cat", s.name(), "--wait", "10s"}, fd);
  ::close(fd);
  EXPECT_EQ(play.wait(), 0);
  EXPECT_EQ(cat.wait(), 0);
  EXPECT_EQ(zc::test::frame_hashes(path), clip_hashes_);
}

// A stream break the recorder kept inside one segment (same parameters, a timeline that kept pace): the catalog
// has a gap row within the segment's span, and the file's timeline has the same hole. Playing across it, the
// first frame after the hole is announced as a discontinuity, as at a gap between segments.
TEST_F(Media, AGapInsideASegmentIsAnnouncedLikeAGapBetweenSegments) {
  TempDir store;
  std::filesystem::create_directories(store / "cam");
  const auto holed = store / "cam" / "holed.mp4";
  // The 6 s clip with its second half (from the keyframe at 3 s, packet 90 in decode order) 2 s later.
  const std::string shift = "if(gte(N\\,90)\\,2/TB\\,0)";
  ASSERT_EQ(zc::test::run({zc::test::ffmpeg_path(), "-v", "error", "-y", "-i", long_clip_.string(), "-an", "-c",
                           "copy", "-bsf:v", "setts=pts=PTS+" + shift + ":dts=DTS+" + shift, "-movflags",
                           "frag_keyframe+empty_moov+default_base_moof", holed.string()}),
            0);
  {
    auto catalog = zc::catalog::Catalog::open(store.path());
    const int64_t rec = zc::test::begin_recording(catalog, "cam", kT0);
    zc::test::add_segment(catalog, rec, 0, holed, kT0);
    zc::catalog::GapRow g;
    g.recording_id = rec;
    g.start_wall_ns = kT0 + 3 * kSecond;
    g.end_wall_ns = kT0 + 5 * kSecond;
    g.reason = "discontinuity";
    catalog.add_gap(g);
  }
  ScopedStream s("pl_hole");
  CapturedProcess play({kZcrec, "play", "--stream", "cam", "--from", "@1764150000", "--to", "@1764150100", "--dir",
                     store.path().string(), "--fifo", s.name(), "--max", "--no-audio"});
  auto r = open_reader(s.name());
  const auto got = read_all(r);
  EXPECT_EQ(play.wait(), 0);
  ASSERT_EQ(got.size(), 180u);
  size_t discontinuities = 0;
  for (const auto& f : got) {
    if ((f.frame.header.flags & frame_flag::discontinuity) == 0) continue;
    ++discontinuities;
    EXPECT_TRUE(f.frame.header.is_key());
    EXPECT_EQ(f.frame.header.wall_ns, kT0 + 5 * kSecond) << "the first frame after the hole";
  }
  EXPECT_EQ(discontinuities, 1u);
  TempDir out;
  EXPECT_EQ(zc::test::frame_hashes(write_video(got, r.stream_info(), out / "holed.h264")),
            zc::test::frame_hashes(long_clip_));
}

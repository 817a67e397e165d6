// Seeking through the catalog's keyframe index (docs/playback.md, "Seeking"): the player opens a segment at the
// moof its index row names instead of demuxing from the start. On a real libx264 segment of many fragments
// (B-frames, AAC), a seek into the middle must send exactly the frames a read from the start sends, decoding to
// the same pictures; a stale or corrupt byte offset must fall back to reading from the start, never crash.
#include <zc/catalog/catalog.h>
#include <zc/playback/player.h>
#include <zc/playback/timeline.h>
#include <zc/recorder/recovery.h>

#include <gtest/gtest.h>

#include "playback/collecting_sink.h"
#include "playback/media_tools.h"

#include <algorithm>
#include <fstream>

using namespace zc;
using zc::test::TempDir;

namespace {

constexpr int64_t kT0 = 1'764'150'000'000'000'000;
constexpr int64_t kSecond = 1'000'000'000;

using Sent = zc::test::SentFrame;
using zc::test::CollectingSink;
using zc::test::expect_same_frames;

class SeekIndex : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    const auto clip = *dir_ / "clip.mp4";
    // 20 s at 25 fps, a keyframe (and so a fragment) every second, two B-frames, AAC.
    zc::test::make_clip(clip, 20.0, "160x120", 25, 25, true, 2);
    std::filesystem::create_directories(*dir_ / "store" / "cam");
    const auto segs = zc::test::make_segments(clip, *dir_ / "store" / "cam", "seg", 60);
    ASSERT_EQ(segs.size(), 1u);
    segment_ = segs[0];
    // The index as the recorder's recovery writes it: keyframes with the offsets of their fragments' moofs.
    auto catalog = catalog::Catalog::open(*dir_ / "store");
    const int64_t rec = zc::test::begin_recording(catalog, "cam", kT0);
    media::SourceOptions so;
    so.audio = false;
    media::MediaSource src(segment_.string(), so);
    const auto& v = *src.stream_info().first_of(fifo::MediaKind::video);
    catalog::NewSegment s;
    s.recording_id = rec;
    s.path = std::filesystem::relative(segment_, catalog.dir()).string();
    s.start_wall_ns = kT0;
    s.video_codec = "h264";
    s.width = v.width;
    s.height = v.height;
    s.video_config = v.config;
    const int64_t id = catalog.begin_segment(s);
    auto progress = recorder::index_segment_file(segment_, kT0);
    progress.size_bytes = static_cast<int64_t>(std::filesystem::file_size(segment_));
    catalog.finish_segment(id, "complete", "length", progress);
    keyframes_ = catalog.keyframes(id);
    all_hashes_ = zc::test::frame_hashes(segment_);
  }
  static void TearDownTestSuite() { dir_.reset(); }

  static playback::Timeline timeline(int64_t from, int64_t to) {
    auto catalog = catalog::Catalog::open_existing(*dir_ / "store", catalog::Catalog::Access::read_only);
    return playback::Timeline::of_catalog(catalog, "cam", from, to);
  }

  static playback::PlayResult play(playback::Timeline t, CollectingSink& sink, bool audio = true) {
    playback::PlayOptions o;
    o.max = true;
    o.audio = audio;
    return playback::Player(std::move(t), o).run(sink);
  }

  // Decodes the video payloads sent (Annex-B) with ffmpeg.
  static std::vector<std::string> decoded(const CollectingSink& sink, const std::string& name) {
    const auto path = *dir_ / name;
    std::ofstream out(path, std::ios::binary);
    const uint32_t video = sink.info().first_of(fifo::MediaKind::video)->track_id;
    for (const auto& f : sink.frames())
      if (f.meta.track == video)
        out.write(reinterpret_cast<const char*>(f.payload.data()), static_cast<std::streamsize>(f.payload.size()));
    out.close();
    return zc::test::frame_hashes(path, {"-f", "h264"});
  }

  static inline std::unique_ptr<TempDir> dir_;
  static inline std::filesystem::path segment_;
  static inline std::vector<catalog::KeyframeEntry> keyframes_;
  static inline std::vector<std::string> all_hashes_;
};

TEST_F(SeekIndex, TheIndexNamesTheMoofOfEveryKeyframesFragment) {
  ASSERT_GE(keyframes_.size(), 20u);
  for (const auto& k : keyframes_) {
    std::ifstream in(segment_, std::ios::binary);
    in.seekg(k.byte_offset + 4);
    char type[4] = {};
    in.read(type, 4);
    EXPECT_EQ(std::string(type, 4), "moof") << "keyframe " << k.sample_number;
  }
}

TEST_F(SeekIndex, ASeekIntoTheMiddleJumpsToTheKeyframeAndSendsWhatAReadFromTheStartSends) {
  const int64_t from = kT0 + 12 * kSecond + 500'000'000, to = kT0 + 30 * kSecond;
  CollectingSink jumped, from_start;
  const auto r = play(timeline(from, to), jumped);
  EXPECT_EQ(r.index_jumps, 1u);
  EXPECT_EQ(r.index_fallbacks, 0u);

  auto t = timeline(from, to);
  for (auto& k : t.segments[0].keyframes) k.moof_offset.reset();  // no index offsets: demux from the start
  const auto r0 = play(std::move(t), from_start);
  EXPECT_EQ(r0.index_jumps, 0u);
  expect_same_frames(jumped, from_start);

  // The first frame is the keyframe at 12 s; frames up to `from` are decode-only; the pictures are the last
  // ones of a decode of the whole segment, from that keyframe on.
  ASSERT_FALSE(jumped.frames().empty());
  EXPECT_NE(jumped.frames()[0].meta.flags & fifo::frame_flag::keyframe, 0);
  EXPECT_EQ(jumped.frames()[0].meta.wall_ns, kT0 + 12 * kSecond);
  const uint32_t video = jumped.info().first_of(fifo::MediaKind::video)->track_id;
  EXPECT_EQ(std::count_if(jumped.frames().begin(), jumped.frames().end(),
                          [&](const Sent& f) {
                            return f.meta.track == video && (f.meta.flags & fifo::frame_flag::decode_only) != 0;
                          }),
            13);  // 12.00 s .. 12.48 s at 25 fps
  const auto hashes = decoded(jumped, "jumped.h264");
  ASSERT_EQ(hashes.size(), 8u * 25);
  EXPECT_TRUE(std::equal(hashes.begin(), hashes.end(), all_hashes_.end() - static_cast<long>(hashes.size())));
}

TEST_F(SeekIndex, AStaleOrCorruptOffsetFallsBackToReadingFromTheStart) {
  const int64_t from = kT0 + 9 * kSecond + 200'000'000, to = kT0 + 11 * kSecond;
  CollectingSink reference;
  auto t0 = timeline(from, to);
  for (auto& k : t0.segments[0].keyframes) k.moof_offset.reset();
  play(std::move(t0), reference, false);
  ASSERT_EQ(decoded(reference, "reference.h264").size(), 50u);

  const auto size = static_cast<int64_t>(std::filesystem::file_size(segment_));
  const int64_t at9 = keyframes_.at(9).byte_offset;
  struct Case {
    const char* what;
    int64_t offset;
  };
  for (const Case c : {Case{"inside the moof", at9 + 4}, Case{"the next keyframe's fragment", keyframes_.at(10).byte_offset},
                       Case{"inside the first fragment", keyframes_.at(0).byte_offset + 16},
                       Case{"the file header", 0}, Case{"past the end", size + 1000}, Case{"negative", -8},
                       Case{"the last fragment's mdat", keyframes_.back().byte_offset + 8}}) {
    SCOPED_TRACE(c.what);
    auto t = timeline(from, to);
    for (auto& k : t.segments[0].keyframes)
      if (k.moof_offset == at9) k.moof_offset = c.offset;
    CollectingSink sink;
    const auto r = play(std::move(t), sink, false);
    EXPECT_EQ(r.index_fallbacks, 1u);
    EXPECT_TRUE(r.segment_errors.empty());
    expect_same_frames(sink, reference);
  }
  // A moof whose track fragment locates its samples by absolute file offset (tfhd base-data-offset-present):
  // those offsets would point into the bytes the jump skips, so it is refused. A copy of the segment with that
  // flag set in the keyframe's moof (nothing else read from the moof before the check differs).
  {
    const auto copy = *dir_ / "absolute_base.mp4";
    std::filesystem::copy_file(segment_, copy, std::filesystem::copy_options::overwrite_existing);
    std::fstream f(copy, std::ios::binary | std::ios::in | std::ios::out);
    std::vector<char> moof(4096);
    f.seekg(at9);
    f.read(moof.data(), static_cast<std::streamsize>(moof.size()));
    const std::string bytes(moof.begin(), moof.end());
    const size_t tfhd = bytes.find("tfhd");
    ASSERT_NE(tfhd, std::string::npos);
    f.seekp(at9 + static_cast<int64_t>(tfhd) + 4 + 3);  // the low byte of the version-and-flags word
    const char flags = static_cast<char>(bytes[tfhd + 4 + 3] | 0x01);
    f.write(&flags, 1);
    f.close();
    auto t = timeline(from, to);
    t.segments[0].path = copy;
    CollectingSink sink;
    const auto r = play(std::move(t), sink, false);
    EXPECT_EQ(r.index_fallbacks, 1u);
    EXPECT_EQ(r.index_jumps, 0u);
  }
  // An earlier fragment than the keyframe's is a valid place to start: it is read on to the keyframe.
  auto t = timeline(from, to);
  for (auto& k : t.segments[0].keyframes)
    if (k.moof_offset == at9) k.moof_offset = keyframes_.at(5).byte_offset;
  CollectingSink sink;
  const auto r = play(std::move(t), sink, false);
  EXPECT_EQ(r.index_fallbacks, 0u);
  EXPECT_EQ(r.index_jumps, 1u);
  expect_same_frames(sink, reference);
}

TEST_F(SeekIndex, ReverseTrickPlayReadsWindowsFromTheIndexAndSendsTheSameKeyframes) {
  const int64_t from = kT0 + 500'000'000, to = kT0 + 19 * kSecond + 300'000'000;
  auto reverse = [&](bool with_offsets, CollectingSink& sink) {
    auto t = timeline(from, to);
    if (!with_offsets)
      for (auto& k : t.segments[0].keyframes) k.moof_offset.reset();
    playback::PlayOptions o;
    o.max = true;
    o.reverse = true;
    return playback::Player(std::move(t), o).run(sink);
  };
  CollectingSink indexed, whole;
  const auto r = reverse(true, indexed);
  const auto r0 = reverse(false, whole);
  EXPECT_EQ(r.index_jumps, 2u);  // keyframes 1..19: two windows, each opened at its oldest keyframe's fragment
  EXPECT_EQ(r.index_fallbacks, 0u);
  expect_same_frames(indexed, whole);
  ASSERT_EQ(indexed.frames().size(), 19u);
  for (size_t i = 0; i < indexed.frames().size(); ++i)
    EXPECT_EQ(indexed.frames()[i].meta.wall_ns, kT0 + static_cast<int64_t>(19 - i) * kSecond);
}

}  // namespace

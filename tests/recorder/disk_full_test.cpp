// The recorder in-process when its catalog meets a full disk, without root: FullCatalogVfs makes SQLite answer
// every write with SQLITE_FULL, as on a filesystem without a free block. The recording must pause, keep every
// catalog write it could not make, resume when writes succeed again, and account for every frame.
#include <zc/catalog/catalog.h>
#include <zc/recorder/error.h>
#include <zc/recorder/recorder.h>

#include <gtest/gtest.h>

#include "recorder/support/full_catalog_vfs.h"
#include "recorder/support/record_fixture.h"

#include <algorithm>
#include <thread>

using namespace zc::catalog;
using namespace zc::recorder;
using namespace zc::test;

namespace {

constexpr int64_t kS = 1'000'000'000;

void poll_for(Recorder& rec, int64_t ns) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(ns);
  while (std::chrono::steady_clock::now() < until) ASSERT_TRUE(rec.poll(std::chrono::milliseconds(50)));
}

bool warned(const RecordingSummary& s, const std::string& text) {
  return std::any_of(s.warnings.begin(), s.warnings.end(),
                     [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

// Segments and gap rows tile the recording; segment frames + gap frames = the 30 fps frames of its span.
void expect_true_account(const Catalog& c, const RecordingSummary& sum) {
  const auto r = c.recording(sum.recording_id);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, "complete");
  int64_t seg_frames = 0, gap_frames = 0;
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (const auto& s : c.segments_of_recording(r->id)) {
    EXPECT_EQ(s.state, "complete") << s.path;
    EXPECT_GT(s.frames, 0) << s.path;
    EXPECT_EQ(static_cast<int64_t>(std::filesystem::file_size(c.absolute_path(s))), s.size_bytes) << s.path;
    const auto md5 = frame_md5s(c.absolute_path(s));
    EXPECT_GE(static_cast<int64_t>(md5.size()), s.frames - 2) << s.path;
    EXPECT_LE(static_cast<int64_t>(md5.size()), s.frames) << s.path;
    seg_frames += s.frames;
    spans.emplace_back(s.start_wall_ns, s.end_wall_ns);
  }
  for (const auto& g : c.gaps(r->stream_name)) {
    gap_frames += g.frames_lost;
    spans.emplace_back(g.start_wall_ns, g.end_wall_ns);
  }
  std::sort(spans.begin(), spans.end());
  ASSERT_FALSE(spans.empty());
  // A gap may lie inside a segment (a break the segment went on across): what counts is the end covered so far.
  int64_t covered = spans.front().second;
  for (size_t i = 1; i < spans.size(); ++i) {
    EXPECT_LE(spans[i].first, covered + kS / 30) << i;
    covered = std::max(covered, spans[i].second);
  }
  EXPECT_EQ(seg_frames, sum.frames);
  EXPECT_EQ(gap_frames, sum.frames_lost);
  EXPECT_EQ(r->frames_lost, sum.frames_lost);
  const int64_t taken = (*r->end_wall_ns - *r->start_wall_ns + kS / 60) * 30 / kS + 1;
  EXPECT_NEAR(static_cast<double>(seg_frames + gap_frames), static_cast<double>(taken), 2.0);
}

// A clip of 30 fps with a 1 s GOP, looped, half a second of it in the ring before recording starts.
FeedOptions looping_clip() {
  FeedOptions fo;
  fo.inputs = {clip("h264_bframes").string()};
  fo.loop = true;
  fo.backlog_ns = kS / 2;
  return fo;
}

RecorderOptions options_without_rolls(const FedRing& ring, const TempDir& d) {
  RecorderOptions o;
  o.stream = ring.name();
  o.dir = d.path();
  o.timing.preroll_ns = 0;
  o.timing.postroll_ns = 0;
  return o;
}

}  // namespace

TEST(RecorderDiskFull, FullCatalogPausesAndResumesWithEveryFrameAccountedFor) {
  FullCatalogVfs vfs;
  TempDir d("catfull");
  FedRing ring("catfull", looping_clip());
  SystemClock clock;
  auto rec = Recorder::start(options_without_rolls(ring, d), clock);
  poll_for(rec, 2 * kS);
  vfs.set_full(true);
  poll_for(rec, 5 * kS / 2);
  EXPECT_TRUE(warned(rec.summary(), "storage full")) << "a refused catalog write pauses the recording";
  EXPECT_FALSE(warned(rec.summary(), "resumed"));
  vfs.set_full(false);
  poll_for(rec, 5 * kS / 2);
  EXPECT_TRUE(warned(rec.summary(), "resumed"));
  rec.stop();
  while (rec.poll(std::chrono::milliseconds(100))) {
  }
  EXPECT_GT(vfs.refused_writes(), 0);
  const auto& sum = rec.summary();
  EXPECT_GT(sum.frames_lost, 0);
  auto c = Catalog::open(d.path());
  const auto gaps = c.gaps(ring.name());
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].reason, "disk_full");
  ASSERT_GE(c.segments_of_recording(sum.recording_id).size(), 2u) << "one before the pause, one after";
  expect_true_account(c, sum);
}

// The catalog is full when the recording ends: its last writes wait for space (here: a moment) instead of
// leaving the rows in 'recording'/'writing', and the pause's gap reaches the end.
TEST(RecorderDiskFull, RecordingEndingWhileTheCatalogIsFullStillClosesItsRows) {
  FullCatalogVfs vfs;
  TempDir d("catfull");
  FedRing ring("catfull_end", looping_clip());
  SystemClock clock;
  auto rec = Recorder::start(options_without_rolls(ring, d), clock);
  poll_for(rec, 2 * kS);
  vfs.set_full(true);
  poll_for(rec, 2 * kS);
  rec.stop();
  std::thread space_returns([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    vfs.set_full(false);
  });
  bool threw = false;
  try {
    while (rec.poll(std::chrono::milliseconds(100))) {
    }
  } catch (const RecorderError&) {
    threw = true;
  }
  space_returns.join();
  EXPECT_FALSE(threw);
  const auto& sum = rec.summary();
  EXPECT_FALSE(warned(sum, "resumed"));
  EXPECT_TRUE(warned(sum, "ended while storage was still full"));
  auto c = Catalog::open(d.path());
  const auto gaps = c.gaps(ring.name());
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].end_wall_ns, *c.recording(sum.recording_id)->end_wall_ns);
  expect_true_account(c, sum);
}

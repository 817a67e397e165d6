// The recorder in-process when its storage fails, without root. FullCatalogVfs makes SQLite answer every write
// with SQLITE_FULL, as on a filesystem without a free block; FaultyStorage (RecorderOptions::storage_io) does the
// same to the segment files (ENOSPC after the last free byte) or fails them with EIO. On a full disk the
// recording must pause, keep every write it could not make, resume when writes succeed again, and account for
// every frame; an I/O error ends it, and recovery keeps what was durable.
#include <zc/catalog/catalog.h>
#include <zc/recorder/error.h>
#include <zc/recorder/recorder.h>
#include <zc/recorder/recovery.h>

#include <gtest/gtest.h>

#include "recorder/support/faulty_storage.h"
#include "recorder/support/full_catalog_vfs.h"
#include "recorder/support/record_fixture.h"

#include <algorithm>
#include <cerrno>
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

// The storage directory as `zcrec check` judges it: nothing left to recover, nothing that needs --repair.
void expect_check_clean(const std::filesystem::path& dir) {
  auto c = Catalog::open(dir);
  const CheckReport report = check_storage(c, false);
  EXPECT_TRUE(report.consistent());
  EXPECT_TRUE(report.recovered.empty());
  EXPECT_TRUE(report.interrupted_recordings.empty());
  EXPECT_TRUE(report.removed_empty_files.empty()) << "a segment file that got no header must not stay behind";
  EXPECT_TRUE(report.orphan_files.empty());
  EXPECT_TRUE(report.missing_files.empty());
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

// The segment files' disk fills up in the middle of a fragment (a short write, then ENOSPC) and stays full
// through several attempts to open a new segment (each one's header fails): the open segment is cut back to its
// last complete fragment, the recording pauses, resumes once space returns, and leaves only decodable segments
// whose rows say exactly what their files hold.
TEST(RecorderDiskFull, FullSegmentDiskPausesResumesAndLeavesDecodableSegments) {
  auto storage = std::make_shared<FaultyStorage>();
  TempDir d("segfull");
  FedRing ring("segfull", looping_clip());
  SystemClock clock;
  auto options = options_without_rolls(ring, d);
  options.storage_io = storage;
  auto rec = Recorder::start(options, clock);
  poll_for(rec, 2 * kS);
  storage->set_space(16 << 10);  // less than a fragment of the clip: the next one is cut short
  poll_for(rec, 3 * kS);
  EXPECT_TRUE(warned(rec.summary(), "storage full")) << "ENOSPC from a segment write pauses the recording";
  EXPECT_FALSE(warned(rec.summary(), "resumed"));
  const long refused_while_full = storage->refused_writes();
  EXPECT_GE(refused_while_full, 2) << "the fragment, then at least one new segment's header";
  storage->set_space(std::nullopt);
  poll_for(rec, 5 * kS / 2);
  EXPECT_TRUE(warned(rec.summary(), "resumed"));
  rec.stop();
  while (rec.poll(std::chrono::milliseconds(100))) {
  }
  const auto& sum = rec.summary();
  EXPECT_EQ(sum.end_reason, EndReason::stopped);
  EXPECT_GT(sum.frames_lost, 0);
  {
    auto c = Catalog::open(d.path());
    const auto gaps = c.gaps(ring.name());
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0].reason, "disk_full");
    const auto segs = c.segments_of_recording(sum.recording_id);
    ASSERT_GE(segs.size(), 2u) << "the cut-back one before the pause, one after";
    EXPECT_EQ(segs.front().end_reason, "error") << "closed with what it held when the disk filled";
    expect_true_account(c, sum);  // every file decodes, sizes and frames match the rows, nothing unaccounted
  }
  expect_check_clean(d.path());
}

// EIO from a segment write is not a full disk: the recording cannot go on and ends with an error (poll throws
// it). Its last rows cannot be closed while the disk fails; once the recorder is gone, the recovery every start
// runs cuts the segment back to its last complete fragment and closes the recording, and what is left decodes.
TEST(RecorderDiskFull, SegmentWriteErrorEndsTheRecordingAndRecoveryKeepsWhatWasDurable) {
  auto storage = std::make_shared<FaultyStorage>();
  TempDir d("segeio");
  FedRing ring("segeio", looping_clip());
  SystemClock clock;
  auto options = options_without_rolls(ring, d);
  options.storage_io = storage;
  std::optional<Recorder> rec = Recorder::start(options, clock);
  poll_for(*rec, 5 * kS / 2);
  storage->fail_writes(EIO);
  std::optional<RecorderError> error;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  try {
    while (std::chrono::steady_clock::now() < give_up && rec->poll(std::chrono::milliseconds(100))) {
    }
  } catch (const RecorderError& e) {
    error = e;
  }
  ASSERT_TRUE(error) << "an I/O error must end the recording";
  EXPECT_EQ(error->code(), RecorderErrc::io) << error->what();
  EXPECT_NE(std::string(error->what()).find("Input/output error"), std::string::npos) << error->what();
  const RecordingSummary sum = rec->summary();
  EXPECT_EQ(sum.end_reason, EndReason::error);
  EXPECT_FALSE(warned(sum, "storage full"));
  EXPECT_GT(sum.frames, 30) << "two seconds were recorded before the disk failed";
  rec.reset();  // the recorder's liveness lock goes with it
  storage->fail_writes(0);
  {
    auto c = Catalog::open(d.path());
    const CheckReport report = recover_unfinished(c);
    ASSERT_EQ(report.recovered.size(), 1u) << "the segment being written when the disk failed";
    EXPECT_EQ(report.interrupted_recordings, std::vector<int64_t>{sum.recording_id});
    const auto segs = c.segments_of_recording(sum.recording_id);
    ASSERT_EQ(segs.size(), 1u);
    const auto& s = segs.front();
    EXPECT_EQ(s.state, "recovered");
    EXPECT_GT(s.frames, 30) << "its complete fragments are kept";
    EXPECT_LE(s.frames, sum.frames);
    EXPECT_EQ(static_cast<int64_t>(std::filesystem::file_size(c.absolute_path(s))), s.size_bytes);
    const auto md5 = frame_md5s(c.absolute_path(s));
    EXPECT_GE(static_cast<int64_t>(md5.size()), s.frames - 2);
    EXPECT_LE(static_cast<int64_t>(md5.size()), s.frames);
  }
  expect_check_clean(d.path());
}

// The catalog on a real SQLite file: schema creation, the write path a recorder uses, time-range queries,
// the keyframe index, two-phase delete, version checks and several processes writing at once.
#include <zc/catalog/catalog.h>
#include <zc/catalog/error.h>
#include <zc/catalog/retention.h>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog/segment_rows.h"
#include "recorder/support/temp_dir.h"

using namespace zc::catalog;
using zc::test::TempDir;

namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1'700'000'000 * kSec;

NewRecording recording_for(const std::string& stream, int64_t trigger) {
  NewRecording r;
  r.stream_name = stream;
  r.trigger_wall_ns = trigger;
  r.trigger_mono_ns = 5 * kSec;
  r.preroll_requested_ns = 5 * kSec;
  r.postroll_ns = 2 * kSec;
  r.recorder_pid = ::getpid();
  return r;
}

// Writes one recording with `n` 10-second segments starting at `start`.
int64_t write_recording(Catalog& c, const std::string& stream, int64_t start, int n) {
  c.ensure_stream(stream, start);
  const int64_t rec = c.begin_recording(recording_for(stream, start));
  c.set_recording_start(rec, start, 4 * kSec);
  for (int i = 0; i < n; ++i) {
    const int64_t s0 = start + i * 10 * kSec;
    const int64_t seg = c.begin_segment(zc::test::segment_row(rec, i, s0));
    SegmentProgress p;
    p.end_wall_ns = s0 + 10 * kSec;
    p.duration_90k = 900'000;
    p.frames = 300;
    p.keyframes = 10;
    p.size_bytes = 1000;
    for (int k = 0; k < 10; ++k) p.new_keyframes.push_back({k * 30, k * 90'000, s0 + k * kSec, 1000 + k * 100});
    c.finish_segment(seg, "complete", "length", p);
  }
  c.finish_recording(rec, "complete", "stopped", std::nullopt);
  return rec;
}

}  // namespace

TEST(Catalog, CreatesSchemaWithVersionAndReopens) {
  TempDir d("catalog");
  {
    auto c = Catalog::open(d.path() / "store");
    EXPECT_EQ(c.schema_version(), Catalog::kSchemaVersion);
    c.ensure_stream("cam1", kT0);
  }
  auto c = Catalog::open(d.path() / "store");
  ASSERT_EQ(c.streams().size(), 1u);
  EXPECT_EQ(c.streams()[0].name, "cam1");
  EXPECT_EQ(c.ensure_stream("cam1", kT0 + 1), c.streams()[0].id);
}

TEST(Catalog, RefusesNewerSchemaVersion) {
  TempDir d("catalog");
  { Catalog::open(d.path()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((d.path() / "catalog.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  try {
    Catalog::open(d.path());
    FAIL() << "opened a catalog from the future";
  } catch (const CatalogError& e) {
    EXPECT_EQ(e.code(), CatalogErrc::catalog_too_new);
    EXPECT_NE(std::string(e.what()).find("99"), std::string::npos);
  }
}

// Upgrades from versions 1 and 2: upgrade_test.cpp.

TEST(Catalog, SegmentsOverlappingRangeInTimeOrder) {
  TempDir d("catalog");
  auto c = Catalog::open(d.path());
  write_recording(c, "cam1", kT0, 3);             // [T0, T0+30s)
  write_recording(c, "cam1", kT0 + 100 * kSec, 2);  // [T0+100s, T0+120s)
  write_recording(c, "cam2", kT0, 5);
  auto all = c.segments("cam1");
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].start_wall_ns, all[i].start_wall_ns);
  auto mid = c.segments("cam1", {kT0 + 15 * kSec, kT0 + 105 * kSec});
  ASSERT_EQ(mid.size(), 3u);
  EXPECT_EQ(mid[0].start_wall_ns, kT0 + 10 * kSec);
  EXPECT_EQ(mid[2].start_wall_ns, kT0 + 100 * kSec);
  EXPECT_EQ(mid[0].video_codec, "h264");
  EXPECT_EQ(mid[0].video_config, (std::vector<uint8_t>{0, 0, 0, 1, 0x67}));
  EXPECT_EQ(mid[0].state, "complete");
  EXPECT_EQ(c.recordings("cam1", {kT0 + 50 * kSec, kT0 + 60 * kSec}).size(), 0u);
  EXPECT_EQ(c.recordings("cam1").size(), 2u);
  EXPECT_EQ(c.recordings().size(), 3u);
  EXPECT_EQ(*c.stream_end_wall_ns("cam1"), kT0 + 120 * kSec);
  EXPECT_EQ(c.stream_bytes("cam2"), 5000);
}

// The range query walks the (stream, start) index only from the last segment starting before `from`: a long
// segment that started long before the range is still found, one that ends where the range begins too, and
// nothing earlier is.
TEST(Catalog, SegmentsOfARangeIncludeALongSegmentStartedLongBefore) {
  TempDir d("catalog");
  auto c = Catalog::open(d.path());
  write_recording(c, "cam1", kT0, 3);  // [T0, T0+30s)
  c.ensure_stream("cam1", kT0);
  const int64_t rec = c.begin_recording(recording_for("cam1", kT0 + 40 * kSec));
  const int64_t seg = c.begin_segment(zc::test::segment_row(rec, 0, kT0 + 40 * kSec));
  SegmentProgress p;
  p.end_wall_ns = kT0 + 7240 * kSec;  // two hours
  p.frames = 1;
  p.keyframes = 1;
  p.new_keyframes.push_back({0, 0, kT0 + 40 * kSec, 1000});
  c.finish_segment(seg, "complete", "length", p);
  write_recording(c, "cam1", kT0 + 7300 * kSec, 2);  // [T0+7300s, T0+7320s)

  auto in_long = c.segments("cam1", {kT0 + 3600 * kSec, kT0 + 3700 * kSec});
  ASSERT_EQ(in_long.size(), 1u);
  EXPECT_EQ(in_long[0].id, seg);
  auto touching = c.segments("cam1", {kT0 + 30 * kSec, kT0 + 35 * kSec});  // the first recording ends at T0+30s
  ASSERT_EQ(touching.size(), 1u);
  EXPECT_EQ(touching[0].end_wall_ns, kT0 + 30 * kSec);
  EXPECT_EQ(c.segments("cam1", {kT0 + 7250 * kSec, kT0 + 7290 * kSec}).size(), 0u);
  EXPECT_EQ(c.segments("cam1", {kT0 + 7000 * kSec, kT0 + 7305 * kSec}).size(), 2u);
  EXPECT_EQ(c.segments("cam1", {kT0 - 100 * kSec, kT0 + 1 * kSec}).size(), 1u);
  EXPECT_EQ(c.segments("cam1", {{}, {}}).size(), 6u);
}

TEST(Catalog, KeyframeIndexAnswersSeek) {
  TempDir d("catalog");
  auto c = Catalog::open(d.path());
  write_recording(c, "cam1", kT0, 1);
  const auto seg = c.segments("cam1").at(0);
  EXPECT_EQ(c.keyframes(seg.id).size(), 10u);
  auto k = c.keyframe_at_or_before(seg.id, 90'000 * 3 + 45'000);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->sample_number, 90);
  EXPECT_EQ(k->byte_offset, 1300);
  EXPECT_FALSE(c.keyframe_at_or_before(seg.id, -1));
}

TEST(Catalog, ConstraintsRejectNonsense) {
  TempDir d("catalog");
  auto c = Catalog::open(d.path());
  c.ensure_stream("cam1", kT0);
  const int64_t rec = c.begin_recording(recording_for("cam1", kT0));
  auto bad = zc::test::segment_row(rec, 0, kT0);
  bad.video_codec = "mpeg2";
  EXPECT_THROW(c.begin_segment(bad), CatalogError);
  EXPECT_THROW(c.begin_recording(recording_for("nope", kT0)), CatalogError);
  auto neg = recording_for("cam1", kT0);
  neg.preroll_requested_ns = -1;
  EXPECT_THROW(c.begin_recording(neg), CatalogError);
  EXPECT_TRUE(c.segments_of_recording(rec).empty());
}

TEST(Catalog, LockingSeveralRecordingsIsAllOrNothing) {
  TempDir d("cat");
  auto c = Catalog::open(d.path());
  const int64_t a = write_recording(c, "cam1", kT0, 1);
  const int64_t b = write_recording(c, "cam1", kT0 + 100 * kSec, 1);
  EXPECT_EQ(c.set_locked(std::vector<int64_t>{a, 999, b, 998}, true), (std::vector<int64_t>{999, 998}));
  EXPECT_FALSE(c.recording(a)->locked) << "an unknown id changes nothing";
  EXPECT_TRUE(c.set_locked(std::vector<int64_t>{a, b}, true).empty());
  EXPECT_TRUE(c.recording(a)->locked);
  EXPECT_TRUE(c.recording(b)->locked);
  EXPECT_TRUE(c.set_locked(std::vector<int64_t>{b, b}, true).empty()) << "already locked is not unknown";
  EXPECT_TRUE(c.set_locked(std::vector<int64_t>{b}, false).empty());
  EXPECT_TRUE(c.recording(a)->locked);
  EXPECT_FALSE(c.recording(b)->locked);
}

TEST(Catalog, TwoPhaseDeleteRemovesRowsAndEmptyRecording) {
  TempDir d("catalog");
  auto c = Catalog::open(d.path());
  const int64_t rec = write_recording(c, "cam1", kT0, 2);
  auto segs = c.segments_of_recording(rec);
  c.mark_segment_deleting(segs[0].id);
  EXPECT_EQ(c.segments("cam1").size(), 1u);  // 'deleting' rows are invisible to playback
  EXPECT_EQ(c.all_segments().size(), 2u);
  c.delete_segment_row(segs[0].id);
  c.delete_recording_if_empty(rec);
  EXPECT_TRUE(c.recording(rec));
  c.delete_segment_row(segs[1].id);
  c.delete_recording_if_empty(rec);
  EXPECT_FALSE(c.recording(rec));
  EXPECT_TRUE(c.keyframes(segs[1].id).empty());
}

// Retention lists its candidates first and deletes them one by one; a recording locked in between (zcrec lock
// while a prune runs) must keep its segments: the lock is checked again in the statement that marks them.
TEST(Catalog, RetentionCannotMarkASegmentOfARecordingLockedAfterItWasListed) {
  TempDir d("catalog");
  auto c = Catalog::open(d.path());
  const int64_t rec = write_recording(c, "cam1", kT0, 2);
  const auto listed = c.segments_of_recording(rec);
  ASSERT_TRUE(c.set_locked(std::vector<int64_t>{rec}, true).empty());
  EXPECT_FALSE(c.mark_segment_deleting_if_unlocked(listed[0].id));
  EXPECT_EQ(c.segments("cam1").size(), 2u);
  ASSERT_TRUE(c.set_locked(std::vector<int64_t>{rec}, false).empty());
  EXPECT_TRUE(c.mark_segment_deleting_if_unlocked(listed[0].id));
  EXPECT_FALSE(c.mark_segment_deleting_if_unlocked(listed[0].id)) << "already marked";
  EXPECT_EQ(c.segments("cam1").size(), 1u);
}

// Deleting a recording marks all of it first, in one statement: a lock taken after that is refused (it would keep
// a locked recording without its start: an attacker trial locked one between two segments' deletions), a lock
// taken before wins whole.
TEST(Catalog, ARecordingBeingDeletedCannotBeLockedAndALockedOneIsNotMarked) {
  TempDir d("catalog");
  auto c = Catalog::open(d.path());
  const int64_t rec = write_recording(c, "cam1", kT0, 3);
  EXPECT_EQ(c.mark_recording_deleting_if_unlocked(rec), 3);
  EXPECT_EQ(c.set_locked(std::vector<int64_t>{rec}, true), (std::vector<int64_t>{rec})) << "being deleted";
  EXPECT_FALSE(c.recording(rec)->locked);
  EXPECT_TRUE(c.set_locked(std::vector<int64_t>{rec}, false).empty()) << "unlocking is never refused";

  const int64_t other = write_recording(c, "cam1", kT0 + 100 * kSec, 3);
  ASSERT_TRUE(c.set_locked(std::vector<int64_t>{other}, true).empty());
  EXPECT_EQ(c.mark_recording_deleting_if_unlocked(other), 0) << "locked first: nothing marked";
  EXPECT_EQ(c.segments_of_recording(other).size(), 3u);
  const auto d2 = delete_recording(c, other);
  EXPECT_TRUE(d2.locked_meanwhile);
  EXPECT_EQ(d2.segments_deleted, 0);
  EXPECT_EQ(c.segments("cam1").size(), 3u) << "the locked recording is whole";

  const auto d1 = delete_recording(c, rec);  // finishes the marked one
  EXPECT_EQ(d1.segments_deleted, 3);
  EXPECT_FALSE(c.recording(rec));
}

TEST(Catalog, FourProcessesWriteAtOnceWithoutLockErrors) {
  TempDir d("catalog");
  { Catalog::open(d.path()); }
  std::vector<pid_t> kids;
  for (int p = 0; p < 4; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int rc = 0;
      try {
        auto c = Catalog::open(d.path());
        const std::string stream = "cam" + std::to_string(p);
        for (int i = 0; i < 15; ++i) write_recording(c, stream, kT0 + i * 1000 * kSec, 3);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child %d: %s\n", p, e.what());
        rc = 1;
      }
      ::_exit(rc);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) {
    int status = 0;
    ASSERT_EQ(::waitpid(k, &status, 0), k);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto c = Catalog::open(d.path());
  EXPECT_EQ(c.streams().size(), 4u);
  EXPECT_EQ(c.recordings().size(), 60u);
  EXPECT_EQ(c.all_segments().size(), 180u);
}

// The database half of recovery on a real catalog and real OFD locks: what a crash can leave unfinished is found
// from rows in unfinished states, recordings whose lock byte is held count as live, and a dead recording's files
// without rows are found by name.
#include <zc/catalog/catalog.h>
#include <zc/catalog/files.h>
#include <zc/catalog/unfinished.h>

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "catalog/segment_rows.h"
#include "recorder/support/temp_dir.h"

using namespace zc::catalog;
using zc::test::TempDir;

namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1'700'000'000 * kSec;

int64_t begin(Catalog& c, int64_t trigger, const std::function<void(int64_t)>& before_commit = {}) {
  NewRecording r;
  r.stream_name = "cam";
  r.trigger_wall_ns = trigger;
  r.recorder_pid = ::getpid();
  return c.begin_recording(r, before_commit);
}

int64_t add_segment(Catalog& c, int64_t recording, int64_t ordinal, int64_t start) {
  return c.begin_segment(zc::test::segment_row(recording, ordinal, start));
}

void touch(const std::filesystem::path& p) { std::ofstream(p) << "x"; }

}  // namespace

TEST(Unfinished, FindsOnlyRowsInUnfinishedStatesOfDeadRecorders) {
  TempDir d("unfinished");
  auto c = Catalog::open(d.path());
  c.ensure_stream("cam", kT0);
  // Finished history: never part of the answer.
  const int64_t done = begin(c, kT0);
  const int64_t done_seg = add_segment(c, done, 0, kT0);
  const int64_t deleting = add_segment(c, done, 1, kT0 + 10 * kSec);
  c.finish_segment(done_seg, "complete", "length", {});
  c.finish_segment(deleting, "complete", "length", {});
  c.finish_recording(done, "complete", "stopped", std::nullopt);
  c.mark_segment_deleting(deleting);
  // A recorder that died mid-segment (no lock held).
  const int64_t dead = begin(c, kT0 + 20 * kSec);
  const int64_t dead_seg = add_segment(c, dead, 0, kT0 + 20 * kSec);
  // A live one: its lock byte is held through another open file description, like a recorder process does.
  UniqueFd holder = open_lock_file(d.path() / "recorders.lock");
  const int64_t live = begin(c, kT0 + 30 * kSec, [&](int64_t id) { lock_byte(holder.get(), id, "recorders.lock"); });
  add_segment(c, live, 0, kT0 + 30 * kSec);

  Liveness liveness(d.path());
  EXPECT_TRUE(liveness.is_live(live));
  EXPECT_FALSE(liveness.is_live(dead));
  const auto work = find_unfinished(c, liveness);
  ASSERT_EQ(work.deleting.size(), 1u);
  EXPECT_EQ(work.deleting[0].id, deleting);
  ASSERT_EQ(work.writing.size(), 1u);
  EXPECT_EQ(work.writing[0].id, dead_seg);
  ASSERT_EQ(work.dead_recordings.size(), 1u);
  EXPECT_EQ(work.dead_recordings[0].id, dead);
}

TEST(Unfinished, FindsTheFilesOfARecordingThatNoRowNames) {
  TempDir d("unfinished");
  auto c = Catalog::open(d.path());
  c.ensure_stream("cam", kT0);
  const int64_t rec = begin(c, kT0);
  add_segment(c, rec, 0, kT0);
  std::filesystem::create_directories(d.path() / "cam");
  touch(d.path() / "cam" / (std::to_string(rec) + "-0.mp4"));    // has its row
  touch(d.path() / "cam" / (std::to_string(rec) + "-2.mp4"));    // created, row never inserted
  touch(d.path() / "cam" / (std::to_string(rec) + "-10.mp4"));   // ordinal order, not name order
  touch(d.path() / "cam" / (std::to_string(rec + 1) + "-0.mp4"));  // another recording's
  touch(d.path() / "cam" / "notes.txt");
  const auto r = c.recording(rec);
  ASSERT_TRUE(r);
  const auto files = uncatalogued_files(c, *r);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], "cam/" + std::to_string(rec) + "-2.mp4");
  EXPECT_EQ(files[1], "cam/" + std::to_string(rec) + "-10.mp4");
}

TEST(Unfinished, ParsesOnlySegmentFileNames) {
  int64_t id = 0, ordinal = 0;
  EXPECT_TRUE(parse_segment_name("12-3.mp4", id, ordinal));
  EXPECT_EQ(id, 12);
  EXPECT_EQ(ordinal, 3);
  EXPECT_FALSE(parse_segment_name("12-3.mp4.tmp", id, ordinal));
  EXPECT_FALSE(parse_segment_name("12.mp4", id, ordinal));
  EXPECT_FALSE(parse_segment_name("-3.mp4", id, ordinal));
  EXPECT_FALSE(parse_segment_name("a-3.mp4", id, ordinal));
  EXPECT_FALSE(parse_segment_name("12-3x.mp4", id, ordinal));
}

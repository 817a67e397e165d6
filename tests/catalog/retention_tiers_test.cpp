// Retention per tier (docs/object-storage.md): local copies of segments kept in S3 age out by local_max_age, a
// segment that is only local is never reduced to nothing-local by it, max_age deletes S3 copies with their rows
// (through the RemoteDelete the caller gives), and quota/min_free free the disk by local copies first.
// Real files in a temporary storage directory; the S3 side is zcrecd's (tests/service/object_storage_test.cpp),
// here a RemoteDelete that records the keys it was asked to delete.
#include <zc/catalog/catalog.h>
#include <zc/catalog/retention.h>

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

// Ten 10-second segments of 1000 bytes with real files; the first `uploaded` of them have a confirmed S3 copy.
std::vector<int64_t> footage(Catalog& c, int uploaded) {
  c.ensure_stream("cam", kT0);
  NewRecording r;
  r.stream_name = "cam";
  r.trigger_wall_ns = kT0;
  r.recorder_pid = ::getpid();
  r.kind = "continuous";
  const int64_t rec = c.begin_recording(r);
  c.set_recording_start(rec, kT0, 0);
  std::filesystem::create_directories(c.dir() / "cam");
  std::vector<int64_t> ids;
  for (int i = 0; i < 10; ++i) {
    const auto row = zc::test::segment_row(rec, i, kT0 + i * 10 * kSec);
    std::ofstream(c.dir() / row.path) << std::string(1000, 'x');
    const int64_t id = c.begin_segment(row);
    SegmentProgress p;
    p.end_wall_ns = kT0 + (i + 1) * 10 * kSec;
    p.frames = 10;
    p.keyframes = 1;
    p.size_bytes = 1000;
    c.finish_segment(id, "complete", "length", p);
    if (i < uploaded) {
      EXPECT_TRUE(c.set_segment_uploaded(id, "site/" + row.path, kT0));
    }
    ids.push_back(id);
  }
  c.finish_recording(rec, "complete", "stopped", std::nullopt);
  return ids;
}

// "L" local, "B" both, "S" s3, "-" gone, per segment in order; a file exists exactly for L and B.
std::string tiers(Catalog& c, const std::vector<int64_t>& ids) {
  std::string out;
  for (const int64_t id : ids) {
    const auto s = c.segment(id);
    char t = '-';
    if (s) t = s->location == "local" ? 'L' : s->location == "both" ? 'B' : 'S';
    out += t;
    if (s) {
      EXPECT_EQ(std::filesystem::exists(c.absolute_path(*s)), t != 'S') << s->path << " (" << t << ")";
    }
  }
  return out;
}

TEST(RetentionTiers, LocalMaxAgeRemovesOnlyLocalCopiesThatAreInS3) {
  TempDir dir("tiers");
  auto c = Catalog::open(dir.path());
  const auto ids = footage(c, 4);
  RetentionPolicy p;
  p.local_max_age_ns = 35 * kSec;
  // At T0 + 100 s: segments 0..5 ended more than 35 s ago; only 0..3 are in S3.
  const auto r = apply_retention(c, p, kT0 + 100 * kSec);
  EXPECT_EQ(tiers(c, ids), "SSSSLLLLLL");
  EXPECT_EQ(r.local_copies_removed, 4);
  EXPECT_EQ(r.local_bytes_removed, 4000);
  EXPECT_EQ(r.segments_deleted, 0);
  EXPECT_EQ(c.segments("cam").size(), 10u) << "S3-only footage is still footage";
  EXPECT_EQ(c.stream_bytes("cam"), 6000) << "local bytes only";
  // Once 4 and 5 are uploaded the next pass takes their local copies too.
  c.set_segment_uploaded(ids[4], "site/4", kT0);
  c.set_segment_uploaded(ids[5], "site/5", kT0);
  apply_retention(c, p, kT0 + 100 * kSec);
  EXPECT_EQ(tiers(c, ids), "SSSSSSLLLL");
}

TEST(RetentionTiers, MaxAgeDeletesS3CopiesOnlyThroughRemoteDeleteAndWithTheirRows) {
  TempDir dir("tiers");
  auto c = Catalog::open(dir.path());
  const auto ids = footage(c, 4);
  RetentionPolicy lp;
  lp.local_max_age_ns = 75 * kSec;
  apply_retention(c, lp, kT0 + 100 * kSec);  // 0, 1 are S3-only now; 2, 3 both
  ASSERT_EQ(tiers(c, ids), "SSBBLLLLLL");
  RetentionPolicy p;
  p.max_age_ns = 45 * kSec;  // 0..4 ended before T0 + 55 s
  // Without a way to delete S3 copies, only the local-only segments go.
  auto r = apply_retention(c, p, kT0 + 100 * kSec);
  EXPECT_EQ(tiers(c, ids), "SSBB-LLLLL");
  EXPECT_EQ(r.segments_deleted, 1);
  std::vector<std::string> deleted;
  r = apply_retention(c, p, kT0 + 100 * kSec, std::nullopt, {},
                      [&](const SegmentRow& s) { deleted.push_back(s.s3_key); });
  EXPECT_EQ(tiers(c, ids), "-----LLLLL");
  EXPECT_EQ(r.remote_copies_deleted, 4);
  EXPECT_EQ(deleted, (std::vector<std::string>{"site/cam/1-0.mp4", "site/cam/1-1.mp4", "site/cam/1-2.mp4",
                                               "site/cam/1-3.mp4"}));
}

TEST(RetentionTiers, AFailingRemoteDeleteKeepsTheRowOutOfPlaybackAndTheRestUntouched) {
  TempDir dir("tiers");
  auto c = Catalog::open(dir.path());
  const auto ids = footage(c, 2);
  RetentionPolicy p;
  p.max_age_ns = 85 * kSec;
  EXPECT_THROW(apply_retention(c, p, kT0 + 100 * kSec, std::nullopt, {},
                               [](const SegmentRow&) { throw std::runtime_error("store down"); }),
               std::runtime_error);
  EXPECT_EQ(c.segment(ids[0])->state, "deleting") << "not shown, not forgotten";
  EXPECT_EQ(c.segment(ids[1])->state, "complete");
  EXPECT_TRUE(std::filesystem::exists(c.absolute_path(*c.segment(ids[0]))));
}

TEST(RetentionTiers, QuotaFreesTheDiskByLocalCopiesKeptInS3BeforeDeletingAnything) {
  TempDir dir("tiers");
  auto c = Catalog::open(dir.path());
  const auto ids = footage(c, 3);  // 0..2 in S3
  RetentionPolicy p;
  p.quota_bytes = 6000;
  auto r = apply_retention(c, p, kT0 + 100 * kSec);
  // 10000 local bytes: the three local copies in S3 go (7000), then the oldest local-only segment (6000).
  EXPECT_EQ(tiers(c, ids), "SSS-LLLLLL");
  EXPECT_EQ(r.local_copies_removed, 3);
  EXPECT_EQ(r.segments_deleted, 1);
  EXPECT_EQ(c.stream_bytes("cam"), 6000);
}

}  // namespace

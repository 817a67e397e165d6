// Retention keeps what events point at: a continuous recording of ten 10-second segments with real files, events
// over parts of it, and the age, quota and race rules of retention.h.
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

// Segment i covers [T0 + 10 i s, T0 + 10 (i + 1) s) and holds 1000 bytes, in a file of that size.
struct Footage {
  int64_t recording = 0;
  std::vector<int64_t> segments;
};

Footage continuous_footage(Catalog& c, int n = 10) {
  Footage f;
  c.ensure_stream("cam", kT0);
  NewRecording r;
  r.stream_name = "cam";
  r.trigger_wall_ns = kT0;
  r.recorder_pid = ::getpid();
  r.kind = "continuous";
  f.recording = c.begin_recording(r);
  c.set_recording_start(f.recording, kT0, 0);
  std::filesystem::create_directories(c.dir() / "cam");
  for (int i = 0; i < n; ++i) {
    const auto row = zc::test::segment_row(f.recording, i, kT0 + i * 10 * kSec);
    std::ofstream(c.dir() / row.path) << std::string(1000, 'x');
    const int64_t id = c.begin_segment(row);
    SegmentProgress p;
    p.end_wall_ns = kT0 + (i + 1) * 10 * kSec;
    p.duration_90k = 900'000;
    p.frames = 300;
    p.keyframes = 1;
    p.size_bytes = 1000;
    c.finish_segment(id, "complete", "length", p);
    f.segments.push_back(id);
  }
  c.finish_recording(f.recording, "complete", "stopped", std::nullopt);
  return f;
}

int64_t event(Catalog& c, int64_t start_s, int64_t preroll_s, int64_t postroll_s, std::optional<int64_t> end_s) {
  NewEvent e;
  e.stream_name = "cam";
  e.trigger_wall_ns = kT0 + start_s * kSec;
  e.start_wall_ns = kT0 + start_s * kSec;
  e.preroll_ns = preroll_s * kSec;
  e.postroll_ns = postroll_s * kSec;
  const int64_t id = c.add_event(e);
  if (end_s) c.end_event(id, kT0 + *end_s * kSec, "ended");
  return id;
}

// Ordinals of the segments still in the catalog; each file exists exactly while its row does.
std::vector<int64_t> kept(Catalog& c, const Footage& f) {
  std::vector<int64_t> out;
  for (const auto& s : c.segments("cam")) out.push_back(s.ordinal);
  for (int64_t i = 0; i < static_cast<int64_t>(f.segments.size()); ++i) {
    const auto path = c.dir() / ("cam/" + std::to_string(f.recording) + "-" + std::to_string(i) + ".mp4");
    EXPECT_EQ(std::filesystem::exists(path), std::find(out.begin(), out.end(), i) != out.end()) << path;
  }
  return out;
}

}  // namespace

TEST(RetentionEvents, MaxAgeSkipsSegmentsUnderARecentEvent) {
  TempDir d("retention");
  auto c = Catalog::open(d.path());
  const auto f = continuous_footage(c);
  // Span [30 s, 45 s]: segments 3 and 4. Segment 2 ends exactly where the span begins and holds none of it.
  event(c, 35, 5, 3, 42);
  const int64_t now = kT0 + 200 * kSec;
  RetentionPolicy policy;
  policy.max_age_ns = 100 * kSec;  // segments 0..8 ended before now - 100 s
  policy.event_max_age_ns = 1000 * kSec;
  auto report = apply_retention(c, policy, now);
  EXPECT_EQ(report.segments_deleted, 7);
  EXPECT_EQ(report.protected_segments_deleted, 0);
  EXPECT_EQ(kept(c, f), (std::vector<int64_t>{3, 4, 9}));

  // The event ended 158 s before now: with a 100 s event max age it protects nothing any more.
  policy.event_max_age_ns = 100 * kSec;
  report = apply_retention(c, policy, now);
  EXPECT_EQ(report.segments_deleted, 2);
  EXPECT_EQ(kept(c, f), (std::vector<int64_t>{9}));
}

TEST(RetentionEvents, WithoutEventMaxAgeEventsProtectNothing) {
  TempDir d("retention");
  auto c = Catalog::open(d.path());
  const auto f = continuous_footage(c);
  event(c, 35, 5, 3, 42);
  RetentionPolicy policy;
  policy.max_age_ns = 100 * kSec;
  EXPECT_EQ(apply_retention(c, policy, kT0 + 200 * kSec).segments_deleted, 9);
  EXPECT_EQ(kept(c, f), (std::vector<int64_t>{9}));
}

TEST(RetentionEvents, AnOpenEventProtectsEverythingFromItsStart) {
  TempDir d("retention");
  auto c = Catalog::open(d.path());
  const auto f = continuous_footage(c);
  event(c, 65, 2, 0, std::nullopt);  // open: [63 s, ...) covers segments 6..9
  RetentionPolicy policy;
  policy.max_age_ns = 1;
  policy.event_max_age_ns = 1;  // an open event ends "now", so any age keeps it
  apply_retention(c, policy, kT0 + 10'000 * kSec);
  EXPECT_EQ(kept(c, f), (std::vector<int64_t>{6, 7, 8, 9}));
}

TEST(RetentionEvents, QuotaTakesUnprotectedSegmentsFirstThenProtectedOldestFirst) {
  TempDir d("retention");
  auto c = Catalog::open(d.path());
  const auto f = continuous_footage(c);
  event(c, 5, 5, 5, 12);  // [0 s, 17 s]: the two oldest segments
  RetentionPolicy policy;
  policy.quota_bytes = 5000;
  policy.event_max_age_ns = 3600 * kSec;
  const int64_t now = kT0 + 200 * kSec;
  auto report = apply_retention(c, policy, now);
  EXPECT_EQ(report.segments_deleted, 5);
  EXPECT_EQ(report.bytes_deleted, 5000);
  EXPECT_EQ(kept(c, f), (std::vector<int64_t>{0, 1, 7, 8, 9})) << "the oldest unprotected went, not the oldest";

  policy.quota_bytes = 1500;  // nothing unprotected is enough: then the oldest protected one
  report = apply_retention(c, policy, now);
  EXPECT_EQ(report.segments_deleted, 4);
  EXPECT_EQ(report.protected_segments_deleted, 1);
  EXPECT_EQ(kept(c, f), (std::vector<int64_t>{1}));
}

TEST(RetentionEvents, LockedRecordingsStayEvenWhenOnlyTheyAreLeft) {
  TempDir d("retention");
  auto c = Catalog::open(d.path());
  const auto f = continuous_footage(c);
  c.set_locked(f.recording, true);
  RetentionPolicy policy;
  policy.quota_bytes = 0;
  policy.max_age_ns = 1;
  policy.event_max_age_ns = kSec;
  EXPECT_EQ(apply_retention(c, policy, kT0 + 1000 * kSec).segments_deleted, 0);
  EXPECT_EQ(kept(c, f).size(), 10u);
}

// Retention lists its candidates, then deletes one by one: an event posted in between, over old footage (an event
// that started in the past), must still keep it.
TEST(RetentionEvents, MarkingRechecksEventsPostedAfterTheListing) {
  TempDir d("retention");
  auto c = Catalog::open(d.path());
  const auto f = continuous_footage(c);
  const int64_t now = kT0 + 200 * kSec;
  EXPECT_TRUE(c.mark_segment_deleting_if_unprotected(f.segments[0], now, 100 * kSec));
  event(c, 25, 0, 0, std::nullopt);  // open, from 25 s: segments 2..9
  EXPECT_FALSE(c.mark_segment_deleting_if_unprotected(f.segments[2], now, 100 * kSec));
  EXPECT_TRUE(c.mark_segment_deleting_if_unprotected(f.segments[1], now, 100 * kSec));
  EXPECT_EQ(c.segment(f.segments[2])->state, "complete");
  EXPECT_EQ(c.segment(f.segments[1])->state, "deleting");
}

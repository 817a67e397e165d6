// `zcrec start` against storage that fights back: a disk that fills and stays full (or frees up again), a
// catalog another process keeps locked while the recording is triggered, and a quota smaller than the recording.
// Real processes: a `zcrec feed testsrc` camera, the recorder, a `sqlite3` holding the write lock; tmpfs mounts
// need root (skipped otherwise; recorder_test's catalog-full case covers the recorder without root).
#include <zc/catalog/catalog.h>

#include <gtest/gtest.h>

#include "recorder/support/cli_helpers.h"
#include "recorder/support/temp_dir.h"
#include "support/child_process.h"
#include "support/test_support.h"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

using namespace zc::test;
using namespace zc::catalog;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr int64_t kS = 1'000'000'000;

int64_t wall_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * kS + ts.tv_nsec;
}

void write_filler(const std::filesystem::path& path, size_t bytes) {
  std::ofstream f(path, std::ios::binary);
  const std::vector<char> block(bytes, 'x');
  f.write(block.data(), static_cast<std::streamsize>(block.size()));
}

// Every JSON line of a finished `zcrec start --json`, and its last one (the summary).
std::vector<json> json_lines(const std::string& out) {
  std::vector<json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_discarded()) lines.push_back(std::move(j));
  }
  return lines;
}

bool has_warning(const std::vector<json>& lines, const std::string& text) {
  for (const auto& j : lines) {
    if (j.value("event", "") == "warning" && j.value("message", "").find(text) != std::string::npos) return true;
  }
  return false;
}

// The recording's account in the catalog: every frame is either in a segment or counted by a gap row, and the
// segments and gaps tile the recording from its start to its end without a hole.
void expect_true_account(const Catalog& c, const RecordingRow& r, const json& fin, int fps) {
  const auto segs = c.segments_of_recording(r.id);
  const auto gaps = c.gaps(r.stream_name);
  int64_t seg_frames = 0, gap_frames = 0;
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (const auto& s : segs) {
    EXPECT_NE(s.state, "writing") << s.path;
    EXPECT_GT(s.frames, 0) << s.path << ": a segment without a frame";
    seg_frames += s.frames;
    spans.emplace_back(s.start_wall_ns, s.end_wall_ns);
  }
  for (const auto& g : gaps) {
    if (g.recording_id != r.id) continue;
    gap_frames += g.frames_lost;
    spans.emplace_back(g.start_wall_ns, g.end_wall_ns);
  }
  std::sort(spans.begin(), spans.end());
  ASSERT_FALSE(spans.empty());
  EXPECT_EQ(spans.front().first, *r.start_wall_ns);
  // A gap may lie inside a segment (a break the segment went on across): what counts is the end covered so far.
  int64_t covered = spans.front().second;
  for (size_t i = 1; i < spans.size(); ++i) {
    EXPECT_LE(spans[i].first, covered + kS / fps) << "nothing accounts for the time between " << covered << " and "
                                                  << spans[i].first;
    covered = std::max(covered, spans[i].second);
  }
  EXPECT_GE(covered, *r.end_wall_ns);
  EXPECT_EQ(seg_frames, fin["frames"].get<int64_t>()) << "finished.frames counts only frames in files";
  EXPECT_EQ(gap_frames, r.frames_lost) << "every lost frame is in a gap row";
  EXPECT_EQ(r.frames_lost, fin["frames_lost"].get<int64_t>());
  // What the camera delivered from the first to the last frame the recorder took (one video track, no loss in
  // the ring: the ring is large), against what the files hold plus what was lost.
  const int64_t taken = (*r.end_wall_ns - *r.start_wall_ns + kS / (2 * fps)) * fps / kS + 1;
  EXPECT_NEAR(static_cast<double>(seg_frames + gap_frames), static_cast<double>(taken), 2.0);
  for (const auto& p : fin["segment_paths"]) {
    EXPECT_TRUE(std::filesystem::exists(c.dir() / p.get<std::string>())) << p;
  }
}

// Fills the filesystem holding `dir` up to the last byte (space the recorder's cut-back freed included).
void fill_up(const std::filesystem::path& path) {
  std::ofstream f(path, std::ios::binary | std::ios::app);
  const std::vector<char> block(4096, 'y');
  while (f.write(block.data(), static_cast<std::streamsize>(block.size())) && f.flush()) {
  }
}

// Reads a running `zcrec start --json` to its end.
std::string read_rest(ChildProcess& rec) {
  std::string out;
  for (auto line = rec.read_line(milliseconds(30'000)); line; line = rec.read_line(milliseconds(30'000))) {
    out += *line + "\n";
  }
  return out;
}

}  // namespace

// Issue 8, items 3 and 4: 4 MiB tmpfs, 2.5 MiB filler, a 3 Mb/s camera; once the recorder reports the full disk
// the test takes every byte left (also what the recorder's cut-back gives back), so space never returns.
TEST(CliStorage, DiskThatStaysFullPausesUntilTheEndAndExitsCleanly) {
  TempDir d("full");
  SmallTmpfs fs(d.path() / "small", "4m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  write_filler(d.path() / "small" / "filler", 2560 * 1024);  // the issue had 1.5 MiB and 10 s; this fills sooner
  const auto store = d.path() / "small" / "store";
  ScopedStream stream("stays_full");
  auto cam = TestsrcCamera::start(stream.name(), "640x360", {"--bitrate", "3M"}, "16M");
  auto rec = ChildProcess::spawn({ZCREC_BIN, "start", stream.name(), "--preroll", "0", "--duration", "8s",
                                  "--postroll", "0", "--dir", store.string(), "--json"});
  ASSERT_TRUE(read_json_until(rec, "storage full", milliseconds(30'000))) << "the disk never filled";
  fill_up(d.path() / "small" / "filler2");
  const std::string out = read_rest(rec);
  const auto st = rec.wait(milliseconds(20'000));
  ASSERT_TRUE(st);
  EXPECT_TRUE(exited_with(*st, 0)) << describe_status(*st) << "\n" << out;
  const auto lines = json_lines(out);
  ASSERT_FALSE(lines.empty());
  const auto fin = lines.back();
  ASSERT_EQ(fin["event"], "finished") << out;
  EXPECT_EQ(fin["end_reason"], "duration");
  EXPECT_FALSE(has_warning(lines, "resumed")) << "space never came back: " << out;
  EXPECT_TRUE(has_warning(lines, "ended while storage was still full")) << out;
  EXPECT_GT(fin["frames_lost"].get<int64_t>(), 0);

  auto c = Catalog::open(store);
  const auto recs = c.recordings();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].state, "complete");
  EXPECT_EQ(recs[0].end_reason, "duration");
  const auto gaps = c.gaps(stream.name());
  ASSERT_EQ(gaps.size(), 1u) << "one pause, one gap";
  EXPECT_EQ(gaps[0].reason, "disk_full");
  EXPECT_GE(gaps[0].end_wall_ns, *recs[0].end_wall_ns) << "the gap covers the pause up to the end";
  expect_true_account(c, recs[0], fin, 30);
  expect_segments_playable(c);
  EXPECT_EQ(zcrec({"check", "--dir", store.string()}).exit_code, 0);
}

// Item 4 when space does come back: the fragment cut back at the full disk is in the gap, "resumed" comes once a
// new segment holds frames, and the account is exact.
TEST(CliStorage, DiskFullEpisodeAccountsForEveryFrameWhenSpaceReturns) {
  TempDir d("full");
  SmallTmpfs fs(d.path() / "small", "6m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  const auto filler = d.path() / "small" / "filler";
  write_filler(filler, 3 * 1024 * 1024);
  const auto store = d.path() / "small" / "store";
  ScopedStream stream("full_returns");
  auto cam = TestsrcCamera::start(stream.name(), "640x360", {"--bitrate", "3M"}, "16M");
  auto rec = ChildProcess::spawn({ZCREC_BIN, "start", stream.name(), "--preroll", "0", "--segment", "2s", "--dir",
                                  store.string(), "--json"});
  ASSERT_TRUE(read_json_until(rec, "storage full", milliseconds(30'000))) << "the disk never filled";
  std::this_thread::sleep_for(milliseconds(1500));
  std::filesystem::remove(filler);
  ASSERT_TRUE(read_json_until(rec, "resumed", milliseconds(20'000))) << "recording did not resume";
  std::this_thread::sleep_for(milliseconds(1500));
  rec.kill(SIGINT);
  const std::string out = read_rest(rec);
  const auto st = rec.wait(milliseconds(20'000));
  ASSERT_TRUE(st);
  EXPECT_TRUE(exited_with(*st, 0)) << describe_status(*st);
  const auto lines = json_lines(out);
  ASSERT_FALSE(lines.empty());
  const auto fin = lines.back();
  ASSERT_EQ(fin["event"], "finished") << out;

  auto c = Catalog::open(store);
  const auto recs = c.recordings();
  ASSERT_EQ(recs.size(), 1u);
  const auto gaps = c.gaps(stream.name());
  ASSERT_GE(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].reason, "disk_full");
  EXPECT_GT(gaps[0].frames_lost, 0);
  expect_true_account(c, recs[0], fin, 30);
  expect_segments_playable(c);
  EXPECT_EQ(zcrec({"check", "--dir", store.string()}).exit_code, 0);
}

// Item 5: another process holds the catalog's write lock for 5 s; the trigger is still the moment of invocation
// (not the moment the lock was released) and the pre-roll reaches 2 s before it, although the ring (3 Mb/s into
// 2 MiB) overwrites it meanwhile. The trigger is bounded by events, not by a wall-clock allowance for starting a
// process: after the invocation, and before the holder released the lock (sqlite3 itself says when).
TEST(CliStorage, BusyCatalogDoesNotDelayTheTriggerNorLoseThePreroll) {
  TempDir d("busy");
  const auto store = d.path() / "store";
  ScopedStream stream("busy_catalog");
  auto cam = TestsrcCamera::start(stream.name(), "640x360", {"--bitrate", "3M"}, "2M");
  { auto c = Catalog::open(store); }
  std::this_thread::sleep_for(milliseconds(3000));  // pre-roll history in the ring
  const auto db = (store / "catalog.db").string();
  auto holder = ChildProcess::spawn(
      {"/bin/sh", "-c",
       "(echo 'BEGIN IMMEDIATE;'; echo \"SELECT 'locked';\"; sleep 5; echo 'COMMIT;';"
       " echo \"SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER);\") | sqlite3 " + db});
  const auto locked = holder.read_line(milliseconds(5000));
  ASSERT_TRUE(locked && *locked == "locked") << "sqlite3 did not take the lock";
  const int64_t invoked = wall_now();
  const auto r = zcrec({"start", stream.name(), "--preroll", "2s", "--duration", "1s", "--postroll", "0", "--dir",
                        store.string(), "--json"});
  const int64_t returned = wall_now();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_GT(returned - invoked, 4 * kS) << "the catalog was not busy: the test proves nothing";
  const auto fin = last_json_line(r.out);
  ASSERT_EQ(fin["event"], "finished");
  const int64_t trigger = fin["trigger_wall_ns"].get<int64_t>();
  const auto released_ms = holder.read_line(milliseconds(10'000));
  ASSERT_TRUE(released_ms) << "sqlite3 did not say when it released the lock";
  const int64_t released = std::stoll(*released_ms) * 1'000'000;
  EXPECT_GE(trigger, invoked);
  // A trigger taken after waiting for the lock would come after its release (julianday() counts milliseconds).
  EXPECT_LT(trigger, released) << "the trigger waited for the catalog";
  EXPECT_LE(fin["start_wall_ns"].get<int64_t>(), trigger - 2 * kS);
  EXPECT_GE(fin["preroll_achieved_ns"].get<int64_t>(), 2 * kS);
  EXPECT_EQ(fin["frames_lost"].get<int64_t>(), 0);
  auto c = Catalog::open(store);
  ASSERT_EQ(c.recordings().size(), 1u);
  expect_segments_playable(c);
  // 2..3 s of pre-roll and 1 s after the trigger, at 30 fps.
  EXPECT_GE(fin["frames"].get<int64_t>(), 89);
}

// Item 7: a quota far below what the recording writes. Three runs in one storage directory: each keeps its
// segment being written and its newest one, says that it had to delete its own older segments, lists only files
// that exist, and ends with segments.
TEST(CliStorage, OwnQuotaNeverDeletesTheSegmentBeingWrittenAndWarns) {
  TempDir d("quota");
  const auto store = d.path() / "store";
  ScopedStream stream("own_quota");
  auto cam = TestsrcCamera::start(stream.name(), "320x240", {"--bitrate", "600k"});
  for (int run = 0; run < 3; ++run) {
    const auto r = zcrec({"start", stream.name(), "--preroll", "0", "--duration", "4s", "--postroll", "0",
                          "--segment", "1s", "--quota", "200K", "--dir", store.string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const auto lines = json_lines(r.out);
    const auto fin = lines.back();
    ASSERT_EQ(fin["event"], "finished");
    EXPECT_TRUE(has_warning(lines, "own older segments")) << "run " << run << ": " << r.out;
    ASSERT_GE(fin["segment_paths"].size(), 1u) << r.out;
    EXPECT_EQ(fin["segments"].get<size_t>(), fin["segment_paths"].size());
    for (const auto& p : fin["segment_paths"]) EXPECT_TRUE(std::filesystem::exists(store / p.get<std::string>())) << p;
    auto c = Catalog::open(store);
    const auto segs = c.segments_of_recording(fin["recording_id"].get<int64_t>());
    ASSERT_GE(segs.size(), 1u) << "run " << run << " deleted all of its own segments";
    EXPECT_EQ(segs.size(), fin["segment_paths"].size());
    EXPECT_EQ(segs.back().path, fin["segment_paths"].back()) << "the newest segment stays";
  }
  auto c = Catalog::open(store);
  for (const auto& rec : c.recordings()) {
    EXPECT_FALSE(c.segments_of_recording(rec.id).empty()) << "recording " << rec.id << " listed without segments";
  }
  expect_segments_playable(c);
  EXPECT_EQ(zcrec({"check", "--dir", store.string()}).exit_code, 0);
}

// Issue 18 item 11: segments another process's `zcrec prune` deletes while the recording runs are not in the
// finished recording's account of itself (segment_paths, segments): it lists only what the catalog still has.
TEST(CliStorage, SegmentsPrunedByAnotherProcessAreNotInTheRecordingsSummary) {
  TempDir d("pruned_elsewhere");
  const auto store = d.path() / "store";
  ScopedStream stream("pruned_elsewhere");
  auto cam = TestsrcCamera::start(stream.name(), "320x240");
  CommandResult rec;
  std::thread recording([&] {
    rec = zcrec({"start", stream.name(), "--preroll", "0", "--duration", "8s", "--postroll", "0", "--segment", "1s",
                 "--dir", store.string(), "--json"});
  });
  // Once three of its segments are closed, another process prunes everything it may (all but the one being
  // written).
  auto closed_segments = [&] {
    try {
      auto c = Catalog::open_existing(store, Catalog::Access::read_only);
      int64_t n = 0;
      for (const auto& r : c.recordings())
        for (const auto& s : c.segments_of_recording(r.id)) n += s.state == "complete" ? 1 : 0;
      return n;
    } catch (const std::exception&) {
      return int64_t{0};
    }
  };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (closed_segments() < 3 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(milliseconds(100));
  const auto prune = zcrec({"prune", "--dir", store.string(), "--quota", "1K", "--json"});
  recording.join();
  ASSERT_EQ(prune.exit_code, 0) << prune.out;
  const auto pruned = json::parse(prune.out.substr(0, prune.out.rfind('}') + 1), nullptr, false);
  ASSERT_TRUE(pruned.is_object()) << prune.out;
  ASSERT_GE(pruned["segments_deleted"].get<int64_t>(), 3) << prune.out;
  ASSERT_EQ(rec.exit_code, 0) << rec.out;
  const auto fin = last_json_line(rec.out);
  ASSERT_EQ(fin["event"], "finished") << rec.out;
  for (const auto& p : fin["segment_paths"])
    EXPECT_TRUE(std::filesystem::exists(store / p.get<std::string>())) << p << " was pruned but is still listed";
  for (const auto& p : pruned["deleted_paths"]) {
    for (const auto& q : fin["segment_paths"]) EXPECT_NE(p, q);
  }
  auto c = Catalog::open(store);
  const auto segs = c.segments_of_recording(fin["recording_id"].get<int64_t>());
  EXPECT_EQ(fin["segment_paths"].size(), segs.size());
  EXPECT_EQ(fin["segments"].get<size_t>(), segs.size());
}

// Issue 18 item 4: the same moment of one stream recorded twice (two recorders of one camera at once, as two
// zcrecd on one storage directory did) is reported by `zcrec check`, and --repair does not pretend to fix it.
// It is a report, not an inconsistency: two `zcrec start` of one ring at once record it twice by design.
TEST(CliStorage, CheckReportsOverlappingSegmentsOfOneStream) {
  TempDir d("overlap");
  const auto store = d.path() / "store";
  ScopedStream stream("overlap");
  auto cam = TestsrcCamera::start(stream.name(), "320x240");
  auto record = [&] {
    return zcrec({"start", stream.name(), "--preroll", "0", "--duration", "4s", "--postroll", "0", "--segment", "1s",
                  "--dir", store.string(), "--json"});
  };
  CommandResult first, second;
  std::thread a([&] { first = record(); });
  std::this_thread::sleep_for(milliseconds(1500));
  std::thread b([&] { second = record(); });
  a.join();
  b.join();
  ASSERT_EQ(first.exit_code, 0) << first.out;
  ASSERT_EQ(second.exit_code, 0) << second.out;

  const auto r = zcrec({"check", "--dir", store.string(), "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  const auto j = json::parse(r.out.substr(0, r.out.rfind('}') + 1), nullptr, false);
  ASSERT_TRUE(j.is_object() && j.contains("overlapping")) << r.out;
  EXPECT_FALSE(j["overlapping"].empty()) << r.out;
  EXPECT_TRUE(j["consistent"].get<bool>());
  const auto text = zcrec({"check", "--dir", store.string()});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("overlapping segments (recorded twice): " + stream.name() + ": "), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find(" overlap by "), std::string::npos) << text.out;
  const auto repaired = zcrec({"check", "--repair", "--dir", store.string()});
  EXPECT_EQ(repaired.exit_code, 0) << repaired.out;
  EXPECT_NE(repaired.out.find(" overlap by "), std::string::npos) << "--repair cannot choose a copy: " << repaired.out;
}

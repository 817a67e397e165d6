// `zcrec start/list/check/prune` as real processes on a ring fed by a real feeder process: usage errors, a
// timed recording with pre-roll, SIGINT post-roll with a SIGUSR1 re-trigger, 20+ SIGKILLs at random moments,
// a full disk on a small tmpfs, four recorders on one catalog, retention and repair.
#include <zc/catalog/catalog.h>

#include <gtest/gtest.h>

#include "recorder/support/cli_helpers.h"
#include "recorder/support/media_check.h"
#include "recorder/support/record_fixture.h"
#include "recorder/support/temp_dir.h"
#include "support/child_process.h"
#include "support/test_support.h"

#include <signal.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <set>
#include <thread>

using namespace zc::test;
using namespace zc::catalog;
using namespace zc::recorder;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr int64_t kS = 1'000'000'000;

int64_t mono_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * kS + ts.tv_nsec;
}

// A feeder process writing `clip` into a ring named after the test, looping, with `backlog` seconds of history.
class Feeder {
 public:
  Feeder(const std::string& tag, const std::filesystem::path& clip_path, double backlog)
      : stream_(tag),
        child_(ChildProcess::spawn({ZC_FEEDER_BIN, "--ring", stream_.name(), "--input", clip_path.string(), "--loop",
                                    "--backlog", std::to_string(backlog)})) {
    const auto line = child_.read_line(milliseconds(30'000));
    if (!line || *line != "ready") throw std::runtime_error("feeder did not become ready");
  }
  ~Feeder() {
    child_.kill(SIGTERM);
    child_.wait(milliseconds(5000));
  }
  const std::string& name() const { return stream_.name(); }

 private:
  ScopedStream stream_;
  ChildProcess child_;
};

// The names of the files in one folder that were opened while it lived (inotify IN_OPEN on the folder).
class OpenWatch {
 public:
  explicit OpenWatch(const std::filesystem::path& folder) : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    if (fd_ < 0 || ::inotify_add_watch(fd_, folder.c_str(), IN_OPEN) < 0) throw std::runtime_error("inotify");
  }
  ~OpenWatch() { ::close(fd_); }
  OpenWatch(const OpenWatch&) = delete;
  OpenWatch& operator=(const OpenWatch&) = delete;
  std::set<std::string> opened() {
    alignas(inotify_event) char buf[64 * 1024];
    for (ssize_t n; (n = ::read(fd_, buf, sizeof buf)) > 0;) {
      for (ssize_t at = 0; at < n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
        if (ev->mask & IN_Q_OVERFLOW) throw std::runtime_error("inotify queue overflowed: the test cannot tell");
        if (ev->len > 0) names_.insert(ev->name);
        at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      }
    }
    return names_;
  }

 private:
  int fd_;
  std::set<std::string> names_;
};

}  // namespace

TEST(CliRecord, UsageErrorsExitTwoAndRuntimeErrorsExitOne) {
  TempDir d("cli");
  const std::string dir = (d.path() / "store").string();
  for (const char* sub : {"start", "list", "check", "prune"}) {
    EXPECT_EQ(zcrec({sub, "--help"}).exit_code, 0) << sub;
  }
  EXPECT_EQ(zcrec({"start"}).exit_code, 2);
  EXPECT_EQ(zcrec({"start", "cam", "--preroll", "abc", "--dir", dir}).exit_code, 2);
  EXPECT_EQ(zcrec({"start", "cam", "--preroll", "-5s", "--dir", dir}).exit_code, 2);
  EXPECT_EQ(zcrec({"start", "cam", "--segment", "0", "--dir", dir}).exit_code, 2);
  EXPECT_EQ(zcrec({"start", "cam", "--writer-grace", "-1s", "--dir", dir}).exit_code, 2);
  EXPECT_EQ(zcrec({"start", "cam", "--writer-grace", "a while", "--dir", dir}).exit_code, 2);
  EXPECT_EQ(zcrec({"prune", "--quota", "lots", "--dir", dir}).exit_code, 2);
  EXPECT_EQ(zcrec({"prune", "--dir", dir}).exit_code, 2);
  EXPECT_EQ(zcrec({"list", "--from", "yesterday-ish", "--dir", dir}).exit_code, 2);
  EXPECT_EQ(zcrec({"list", "--dir", dir}).exit_code, 1);  // no catalog yet
  EXPECT_EQ(zcrec({"start", "t_h3_no_such_ring", "--dir", dir}).exit_code, 1);
  EXPECT_EQ(zcrec({"start", "bad/name", "--dir", dir}).exit_code, 1);
}

TEST(CliRecord, TimedRecordingWithPrerollIsListedAndStartsOnKeyframe) {
  TempDir d("cli");
  const std::string dir = (d.path() / "store").string();
  Feeder feed("cli_timed", clip("h264_bframes"), 7);
  const auto r = zcrec({"start", feed.name(), "--preroll", "5s", "--duration", "2s", "--postroll", "0", "--dir", dir,
                        "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto fin = last_json_line(r.out);
  ASSERT_EQ(fin["event"], "finished");
  EXPECT_GE(fin["preroll_achieved_ns"].get<int64_t>(), 5 * kS);
  EXPECT_LT(fin["preroll_achieved_ns"].get<int64_t>(), 6 * kS);
  EXPECT_EQ(fin["end_reason"], "duration");

  const auto l = zcrec({"list", feed.name(), "--json", "--dir", dir, "--from", "-10m", "--to", "now"});
  ASSERT_EQ(l.exit_code, 0);
  const auto list = json::parse(l.out);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["state"], "complete");
  ASSERT_GE(list[0]["segments"].size(), 1u);
  const auto first = d.path() / "store" / list[0]["segments"][0]["path"].get<std::string>();
  const auto info = probe(first);
  EXPECT_EQ(info["frames"][0]["key_frame"], 1);
  const double dur = std::stod(info["format"]["duration"].get<std::string>());
  EXPECT_GT(dur, 6.8);
  EXPECT_LT(dur, 8.2);  // pre-roll (5..6 s) + 2 s, within one GOP
  EXPECT_EQ(json::parse(zcrec({"list", "--json", "--dir", dir, "--from", "+1h"}).out).size(), 0u);
  EXPECT_EQ(zcrec({"list", "--dir", dir}).exit_code, 0);
  EXPECT_EQ(zcrec({"check", "--dir", dir}).exit_code, 0);
}

TEST(CliRecord, SigintAppliesPostrollAndSigusr1Retriggers) {
  TempDir d("cli");
  const std::string dir = (d.path() / "store").string();
  Feeder feed("cli_post", clip("h264_bframes"), 3);
  auto rec = ChildProcess::spawn({ZCREC_BIN, "start", feed.name(), "--preroll", "1s", "--postroll", "1s", "--dir", dir,
                                  "--json"});
  const auto started = rec.read_line(milliseconds(10'000));
  ASSERT_TRUE(started);
  const auto s = json::parse(*started);
  const int64_t T = s.value("trigger_wall_ns", int64_t{0});
  std::this_thread::sleep_for(milliseconds(1000));
  rec.kill(SIGINT);
  std::this_thread::sleep_for(milliseconds(600));
  rec.kill(SIGUSR1);  // inside the post-roll: extends it to 1 s after now
  const auto status = rec.wait(milliseconds(10'000));
  ASSERT_TRUE(status);
  EXPECT_TRUE(exited_with(*status, 0)) << describe_status(*status);
  auto c = Catalog::open(dir);
  const auto recs = c.recordings();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].state, "complete");
  EXPECT_EQ(recs[0].end_reason, "stopped");
  // Trigger, +1.0 s SIGINT, +1.6 s SIGUSR1, +2.6 s end: the recording covers ~2.6 s after T.
  const double after_trigger_s = static_cast<double>(*recs[0].end_wall_ns - T) / 1e9;
  EXPECT_GT(after_trigger_s, 2.3);
  EXPECT_LT(after_trigger_s, 3.2);
  expect_segments_playable(c);
}

TEST(CliRecord, SigkillAtRandomMomentsLosesAtMostOneFragment) {
  TempDir d("cli");
  const std::string dir = (d.path() / "store").string();
  Feeder feed("cli_kill", clip("h264_bframes"), 3);
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> pause_ms(150, 1400);
  const int kills = std::getenv("ZC_SOAK") != nullptr ? 200 : 22;
  std::map<int64_t, int64_t> kill_mono;  // recording id -> when it was killed
  int recovered_total = 0;
  for (int i = 0; i < kills; ++i) {
    auto rec = ChildProcess::spawn({ZCREC_BIN, "start", feed.name(), "--preroll", "1s", "--segment", "1s", "--dir",
                                    dir, "--json"});
    const auto started = rec.read_line(milliseconds(10'000));
    ASSERT_TRUE(started) << "kill " << i;
    const int64_t id = json::parse(*started)["recording_id"].get<int64_t>();
    std::this_thread::sleep_for(milliseconds(pause_ms(rng)));
    kill_mono[id] = mono_now();
    rec.kill(SIGKILL);
    const auto status = rec.wait(milliseconds(5000));
    ASSERT_TRUE(status && killed_by(*status, SIGKILL));
    const auto chk = zcrec({"check", "--dir", dir, "--json"});
    ASSERT_EQ(chk.exit_code, 0) << chk.out;
    const auto report = json::parse(chk.out);
    EXPECT_TRUE(report["consistent"].get<bool>());
    recovered_total += static_cast<int>(report["recovered"].size());
    EXPECT_EQ(report["interrupted_recordings"].size(), 1u) << "kill " << i;
  }
  EXPECT_GE(recovered_total, kills - 2) << "most kills leave a segment in 'writing'";
  auto c = Catalog::open(dir);
  expect_segments_playable(c);
  for (const auto& r : c.recordings()) {
    EXPECT_EQ(r.state, "interrupted");
    EXPECT_EQ(r.end_reason, "crashed");
    if (!r.preroll_achieved_ns) continue;
    int64_t recorded_ns = 0;
    const auto segs = c.segments_of_recording(r.id);
    for (const auto& s : segs) recorded_ns += ticks90k_to_ns(s.duration_90k);
    for (size_t i = 1; i < segs.size(); ++i) EXPECT_LE(segs[i - 1].end_wall_ns, segs[i].start_wall_ns);
    // What was captured from the first recorded frame until the kill, less at most one ~1 s fragment
    // (plus a frame and the recorder's scheduling latency on a loaded machine).
    const int64_t first_frame_mono = r.trigger_mono_ns - *r.preroll_achieved_ns;
    const int64_t captured_ns = kill_mono[r.id] - first_frame_mono;
    EXPECT_GE(recorded_ns, captured_ns - 1'000'000'000 - 600'000'000) << "recording " << r.id;
    EXPECT_LE(recorded_ns, captured_ns + 100'000'000) << "recording " << r.id;
  }
}

TEST(CliRecord, FourRecorderProcessesShareOneCatalog) {
  TempDir d("cli");
  const std::string dir = (d.path() / "store").string();
  Feeder a("cli_four_a", clip("h264_bframes"), 3);
  Feeder b("cli_four_b", clip("h265"), 3);
  std::vector<ChildProcess> recs;
  for (int i = 0; i < 4; ++i) {
    recs.push_back(ChildProcess::spawn({ZCREC_BIN, "start", i % 2 == 0 ? a.name() : b.name(), "--preroll", "2s",
                                        "--duration", "2s", "--postroll", "0", "--segment", "1s", "--dir", dir}));
  }
  for (auto& r : recs) {
    const auto st = r.wait(milliseconds(30'000));
    ASSERT_TRUE(st);
    EXPECT_TRUE(exited_with(*st, 0)) << describe_status(*st);
  }
  auto c = Catalog::open(dir);
  const auto all = c.recordings();
  ASSERT_EQ(all.size(), 4u);
  for (const auto& r : all) {
    EXPECT_EQ(r.state, "complete");
    EXPECT_GE(c.segments_of_recording(r.id).size(), 3u);
  }
  expect_segments_playable(c);
  EXPECT_EQ(zcrec({"check", "--dir", dir}).exit_code, 0);
}

TEST(CliRecord, PruneHonoursQuotaAgeAndLocksAndCheckFinishesHalfDoneDeletes) {
  TempDir d("cli");
  const std::string dir = (d.path() / "store").string();
  Feeder feed("cli_prune", clip("h264_bframes"), 4);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(zcrec({"start", feed.name(), "--preroll", "2s", "--duration", "0", "--postroll", "0", "--segment", "1s",
                     "--dir", dir})
                  .exit_code,
              0);
  }
  auto c = Catalog::open(dir);
  auto recs = c.recordings();
  ASSERT_EQ(recs.size(), 3u);
  c.set_locked(recs[0].id, true);
  EXPECT_EQ(zcrec({"prune", "--max-age", "1h", "--dir", dir}).exit_code, 0);
  EXPECT_EQ(c.all_segments().size(), 3 * c.segments_of_recording(recs[0].id).size());

  // A crash between the two phases of a delete: the row says 'deleting', the file is still there.
  const auto victim = c.segments_of_recording(recs[1].id).at(0);
  c.mark_segment_deleting(victim.id);
  EXPECT_EQ(zcrec({"check", "--dir", dir}).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(c.absolute_path(victim)));
  EXPECT_FALSE(c.segment(victim.id));

  const auto pr = zcrec({"prune", feed.name(), "--quota", "1K", "--dir", dir, "--json"});
  ASSERT_EQ(pr.exit_code, 0);
  EXPECT_GT(json::parse(pr.out)["segments_deleted"].get<int64_t>(), 0);
  for (const auto& s : c.all_segments()) EXPECT_EQ(s.recording_id, recs[0].id) << "only the locked recording stays";
  EXPECT_FALSE(c.recording(recs[1].id));
  EXPECT_FALSE(c.recording(recs[2].id));
  expect_segments_playable(c);
  EXPECT_EQ(zcrec({"check", "--dir", dir}).exit_code, 0);
}

TEST(CliRecord, CheckReportsThenRepairsOrphansAndMissingFiles) {
  TempDir d("cli");
  const std::string dir = (d.path() / "store").string();
  Feeder feed("cli_repair", clip("h264_bframes"), 3);
  ASSERT_EQ(zcrec({"start", feed.name(), "--preroll", "2s", "--duration", "0", "--postroll", "0", "--segment", "1s",
                   "--dir", dir})
                .exit_code,
            0);
  auto c = Catalog::open(dir);
  const auto segs = c.all_segments();
  ASSERT_GE(segs.size(), 2u);
  std::filesystem::remove(c.absolute_path(segs[0]));
  { std::ofstream(d.path() / "store" / feed.name() / "999-0.mp4") << "not a segment"; }
  const auto report = zcrec({"check", "--dir", dir, "--json"});
  EXPECT_EQ(report.exit_code, 1);
  const auto j = json::parse(report.out.substr(0, report.out.rfind('}') + 1));
  EXPECT_EQ(j["missing_files"].size(), 1u);
  EXPECT_EQ(j["orphan_files"].size(), 1u);
  EXPECT_EQ(zcrec({"check", "--repair", "--dir", dir}).exit_code, 0);
  EXPECT_EQ(zcrec({"check", "--dir", dir}).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(d.path() / "store" / feed.name() / "999-0.mp4"));
  EXPECT_EQ(c.all_segments().size(), segs.size() - 1);
}

// A recorder killed between creating a segment file and inserting its row leaves a file with at most the MP4
// header: recovery removes it (it never held a frame) instead of calling the storage inconsistent; a file with
// other content under a segment's name is still only reported.
TEST(CliRecord, CheckRemovesHeaderOnlyFilesOfACrashedRecordingAndReportsOthers) {
  TempDir d("cli");
  const std::string dir = (d.path() / "store").string();
  Feeder feed("cli_header_only", clip("h264_bframes"), 3);
  ASSERT_EQ(zcrec({"start", feed.name(), "--preroll", "2s", "--duration", "0", "--postroll", "0", "--dir", dir})
                .exit_code,
            0);
  auto c = Catalog::open(dir);
  const auto segs = c.all_segments();
  ASSERT_FALSE(segs.empty());
  const auto folder = d.path() / "store" / feed.name();
  // The header of a real segment: everything before its first fragment.
  std::string bytes;
  {
    std::ifstream in(c.absolute_path(segs[0]), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const size_t moof = bytes.find("moof");
  ASSERT_NE(moof, std::string::npos);
  const std::string id = std::to_string(segs[0].recording_id);
  { std::ofstream(folder / (id + "-98.mp4"), std::ios::binary) << bytes.substr(0, moof - 4); }
  { std::ofstream(folder / (id + "-99.mp4"), std::ios::binary); }
  { std::ofstream(folder / (id + "-97.mp4"), std::ios::binary) << "some other program's file"; }

  const auto report = zcrec({"check", "--dir", dir, "--json"});
  const auto j = json::parse(report.out.substr(0, report.out.rfind('}') + 1));
  EXPECT_EQ(j["removed_empty_files"].size(), 2u) << report.out;
  EXPECT_EQ(j["orphan_files"], json::array({feed.name() + "/" + id + "-97.mp4"})) << report.out;
  EXPECT_EQ(report.exit_code, 1) << "the foreign file still needs a human";
  EXPECT_FALSE(std::filesystem::exists(folder / (id + "-98.mp4")));
  EXPECT_FALSE(std::filesystem::exists(folder / (id + "-99.mp4")));
  std::filesystem::remove(folder / (id + "-97.mp4"));
  EXPECT_EQ(zcrec({"check", "--dir", dir}).exit_code, 0);
  EXPECT_EQ(c.all_segments().size(), segs.size()) << "the real segments are untouched";
  expect_segments_playable(c);
}

// Issue 9, bounded startup (docs/recording.md): `zcrec start` recovers what a SIGKILLed recorder left (its
// segment in 'writing', a header-only file it created without a row, its recording row) and opens no complete
// segment, not even one corrupted behind the catalog's back; `zcrec check` still finds that one.
TEST(CliRecord, StartRecoversOnlyUnfinishedWorkAndOpensNoCompleteSegment) {
  TempDir d("cli");
  const std::string dir = (d.path() / "store").string();
  Feeder feed("cli_bounded", clip("h264_bframes"), 3);
  ASSERT_EQ(zcrec({"start", feed.name(), "--preroll", "2s", "--duration", "0", "--postroll", "0", "--segment", "1s",
                   "--dir", dir})
                .exit_code,
            0);
  auto c = Catalog::open(dir);
  const auto history = c.all_segments();
  ASSERT_GE(history.size(), 2u);
  // A complete segment damaged behind the catalog's back: its MP4 header is gone.
  { std::ofstream(c.absolute_path(history[0]), std::ios::binary | std::ios::trunc) << "not an mp4 any more"; }

  auto killed = ChildProcess::spawn({ZCREC_BIN, "start", feed.name(), "--preroll", "1s", "--segment", "10s", "--dir",
                                     dir, "--json"});
  const auto started = killed.read_line(milliseconds(10'000));
  ASSERT_TRUE(started);
  const int64_t dead_id = json::parse(*started)["recording_id"].get<int64_t>();
  std::this_thread::sleep_for(milliseconds(1500));  // into its first segment, past a fragment
  killed.kill(SIGKILL);
  const auto status = killed.wait(milliseconds(5000));
  ASSERT_TRUE(status && killed_by(*status, SIGKILL));
  const auto dead_segs = c.segments_of_recording(dead_id);
  ASSERT_EQ(dead_segs.size(), 1u);
  ASSERT_EQ(dead_segs[0].state, "writing");
  // What a kill between creating the next segment file and inserting its row leaves: the MP4 header only.
  const auto folder = d.path() / "store" / feed.name();
  std::string header;
  {
    std::ifstream in(c.absolute_path(dead_segs[0]), std::ios::binary);
    header.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_NE(header.find("moof"), std::string::npos);
  const std::string unrowed = std::to_string(dead_id) + "-1.mp4";
  { std::ofstream(folder / unrowed, std::ios::binary) << header.substr(0, header.find("moof") - 4); }

  OpenWatch watch(folder);
  const auto r = zcrec({"start", feed.name(), "--preroll", "0", "--duration", "0", "--postroll", "0", "--dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto opened = watch.opened();
  for (const auto& s : history) {
    EXPECT_EQ(opened.count(std::filesystem::path(s.path).filename().string()), 0u)
        << "start opened the complete segment " << s.path;
  }
  EXPECT_EQ(opened.count(std::filesystem::path(dead_segs[0].path).filename().string()), 1u)
      << "the crashed segment was not recovered at start";
  const auto rec = c.recording(dead_id);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->state, "interrupted");
  EXPECT_EQ(rec->end_reason, "crashed");
  EXPECT_EQ(c.segment(dead_segs[0].id)->state, "recovered");
  EXPECT_GT(c.segment(dead_segs[0].id)->frames, 0);
  EXPECT_FALSE(std::filesystem::exists(folder / unrowed)) << "the header-only file of the dead recorder stays";

  const auto check = zcrec({"check", "--dir", dir, "--json"});
  EXPECT_EQ(check.exit_code, 1) << check.out;
  const auto j = json::parse(check.out.substr(0, check.out.rfind('}') + 1));
  EXPECT_EQ(j["unreadable"], json::array({history[0].path})) << check.out;
  EXPECT_TRUE(j["recovered"].empty()) << "start left nothing unfinished: " << check.out;
  EXPECT_TRUE(j["interrupted_recordings"].empty()) << check.out;
}

TEST(CliRecord, DiskFullPausesWithClearErrorAndResumesWhenSpaceReturns) {
  TempDir d("cli");
  SmallTmpfs fs(d.path() / "small", "8m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  const auto store = d.path() / "small" / "store";
  const auto filler = d.path() / "small" / "filler";
  {
    std::ofstream f(filler, std::ios::binary);
    std::vector<char> mb(1 << 20, 'x');
    for (int i = 0; i < 4; ++i) f.write(mb.data(), static_cast<std::streamsize>(mb.size()));
  }
  Feeder feed("cli_full", clip("h264_heavy"), 1);
  auto rec = ChildProcess::spawn({ZCREC_BIN, "start", feed.name(), "--preroll", "0", "--segment", "1s", "--dir",
                                  store.string(), "--json"});
  bool full = false, resumed = false;
  for (int i = 0; i < 200 && !full; ++i) {
    const auto line = rec.read_line(milliseconds(30'000));
    if (!line) break;
    const auto j = json::parse(*line, nullptr, false);
    full = j.value("event", "") == "warning" && j.value("message", "").find("storage full") != std::string::npos;
  }
  ASSERT_TRUE(full) << "the recorder never reported a full disk";
  {
    // While full: the catalog stays readable and consistent with the files.
    auto c = Catalog::open(store);
    for (const auto& s : c.all_segments()) {
      if (s.state == "writing") continue;
      EXPECT_EQ(static_cast<int64_t>(std::filesystem::file_size(c.absolute_path(s))), s.size_bytes) << s.path;
    }
  }
  std::filesystem::remove(filler);
  for (int i = 0; i < 200 && !resumed; ++i) {
    const auto line = rec.read_line(milliseconds(20'000));
    if (!line) break;
    const auto j = json::parse(*line, nullptr, false);
    resumed = j.value("event", "") == "warning" && j.value("message", "").find("resumed") != std::string::npos;
  }
  EXPECT_TRUE(resumed) << "recording did not resume after space returned";
  rec.kill(SIGINT);
  const auto st = rec.wait(milliseconds(20'000));
  ASSERT_TRUE(st);
  EXPECT_TRUE(exited_with(*st, 0)) << describe_status(*st);
  EXPECT_EQ(zcrec({"check", "--dir", store.string()}).exit_code, 0);
  auto c = Catalog::open(store);
  const auto gaps = c.gaps(feed.name());
  ASSERT_GE(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].reason, "disk_full");
  EXPECT_GT(gaps[0].frames_lost, 0);
  EXPECT_GT(c.recordings().at(0).frames_lost, 0);
  // Segments written after the resume exist and everything plays.
  const auto segs = c.all_segments();
  ASSERT_FALSE(segs.empty());
  EXPECT_GT(segs.back().start_wall_ns, gaps[0].start_wall_ns);
  expect_segments_playable(c);
}

TEST(CliRecord, BenchRecordReportsRatioAndZeroDropStreams) {
  const auto r = zcrec({"bench", "record", "--json", "--seconds", "2", "--rounds", "1", "--ramp", "2",
                        "--stream-seconds", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["frames"], 60);
  EXPECT_GT(j["zcrec_cpu_us_per_frame"].get<double>(), 0);
  EXPECT_GT(j["ffmpeg_cpu_us_per_frame"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(j["ratio"].get<double>(),
                   j["zcrec_cpu_us_per_frame"].get<double>() / j["ffmpeg_cpu_us_per_frame"].get<double>());
  ASSERT_EQ(j["ramp"].size(), 1u);
  EXPECT_GT(j["ramp"][0]["frames_recorded"].get<int64_t>(), 0);
  EXPECT_EQ(j["max_streams_zero_drop"].get<int>() == 2, j["ramp"][0]["frames_lost"].get<int64_t>() == 0);
}

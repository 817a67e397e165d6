// `zcrec start` outlives its camera process: `zcrec feed testsrc` is SIGKILLed and a new one (another picture
// size) takes the ring over within --writer-grace; the recording goes on in new segments after a gap. When no
// writer comes back, the grace ends the recording as writer_gone; stop signals, --duration and SIGUSR1 still
// work while the recorder waits. Judged by decoding every segment, ffprobe, `zcrec list --json` and the catalog.
#include <zc/catalog/catalog.h>

#include <gtest/gtest.h>

#include "recorder/support/cli_helpers.h"
#include "recorder/support/temp_dir.h"
#include "support/child_process.h"
#include "support/test_support.h"

#include <signal.h>
#include <time.h>

#include <thread>

using namespace zc::test;
using namespace zc::catalog;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

int64_t clock_now(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Polls the catalog until `done(segments of the recording)` holds; false at the timeout.
template <typename Pred>
bool wait_for_segments(const std::string& dir, int64_t recording_id, Pred done, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      auto c = Catalog::open(dir);
      if (done(c.segments_of_recording(recording_id))) return true;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

// Durable video frames of the recording's segments with this picture width.
int64_t frames_at_width(const std::vector<SegmentRow>& segs, int64_t width) {
  int64_t n = 0;
  for (const auto& s : segs) n += s.width == width ? s.frames : 0;
  return n;
}

ChildProcess start_recorder(const std::string& stream, const std::string& dir, std::vector<std::string> extra) {
  std::vector<std::string> argv = {ZCREC_BIN, "start", stream, "--preroll", "0", "--postroll", "0", "--dir", dir,
                                   "--json"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return ChildProcess::spawn(argv);
}

}  // namespace

TEST(CliWriterRestart, RecordingSurvivesAFeederKilledAndRestartedWithinTheGrace) {
  TempDir d("restart");
  const std::string dir = (d.path() / "store").string();
  ScopedStream stream("cli_restart");
  auto cam = TestsrcCamera::start(stream.name(), "320x240");
  auto rec = start_recorder(stream.name(), dir, {"--writer-grace", "20s"});
  const auto started = read_json_until(rec, "started", milliseconds(10'000));
  ASSERT_TRUE(started);
  const int64_t id = (*started)["recording_id"].get<int64_t>();
  // Record the first camera until a fragment (one GOP) is durable.
  ASSERT_TRUE(wait_for_segments(dir, id, [](const auto& s) { return frames_at_width(s, 320) >= 30; },
                                milliseconds(15'000)));

  cam.kill(SIGKILL);
  ASSERT_TRUE(cam.wait(milliseconds(5000)));
  const int64_t killed_wall = clock_now(CLOCK_REALTIME);
  ASSERT_TRUE(read_json_until(rec, "is gone", milliseconds(10'000))) << "the recorder did not notice";
  auto cam2 = TestsrcCamera::start(stream.name(), "480x272");  // takes the ring over, new parameter sets
  const int64_t restarted_wall = clock_now(CLOCK_REALTIME);
  ASSERT_TRUE(read_json_until(rec, "has a writer again", milliseconds(10'000)));
  ASSERT_TRUE(wait_for_segments(dir, id, [](const auto& s) { return frames_at_width(s, 480) >= 30; },
                                milliseconds(15'000)));
  rec.kill(SIGINT);
  const auto status = rec.wait(milliseconds(10'000));
  ASSERT_TRUE(status);
  EXPECT_TRUE(exited_with(*status, 0)) << describe_status(*status);
  const auto fin = last_json_line(rec.read_rest(milliseconds(2000)));
  ASSERT_EQ(fin.value("event", ""), "finished");
  EXPECT_EQ(fin["end_reason"], "stopped");
  EXPECT_EQ(fin["writer_restarts"], 1);

  // The catalog as `zcrec list` shows it: segments on both sides of one gap, in time order.
  const auto l = zcrec({"list", stream.name(), "--json", "--dir", dir});
  ASSERT_EQ(l.exit_code, 0);
  const auto list = json::parse(l.out);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["state"], "complete");
  EXPECT_EQ(list[0]["end_reason"], "stopped");
  ASSERT_EQ(list[0]["gaps"].size(), 1u);
  const auto& gap = list[0]["gaps"][0];
  EXPECT_EQ(gap["reason"], "discontinuity");
  const int64_t gap_start = gap["start_wall_ns"].get<int64_t>(), gap_end = gap["end_wall_ns"].get<int64_t>();
  // From the last frame of the killed camera to the first keyframe of the new one (its first frame).
  constexpr int64_t kSlack = 50'000'000;
  EXPECT_LE(gap_start, killed_wall + kSlack);
  EXPECT_GT(gap_end, killed_wall - kSlack);
  EXPECT_LE(gap_end, restarted_wall + kSlack);
  size_t before = 0, after = 0;
  for (const auto& s : list[0]["segments"]) {
    const auto path = d.path() / "store" / s["path"].get<std::string>();
    const auto info = probe(path);
    ASSERT_FALSE(info["streams"].empty()) << path;
    const int width = info["streams"][0]["width"].get<int>();
    if (s["end_wall_ns"].get<int64_t>() <= gap_start) {
      ++before;
      EXPECT_EQ(width, 320) << path;
    } else {
      ++after;
      EXPECT_GE(s["start_wall_ns"].get<int64_t>(), gap_end) << path;
      EXPECT_EQ(width, 480) << path;
    }
  }
  EXPECT_GE(before, 1u);
  EXPECT_GE(after, 1u);
  auto c = Catalog::open(dir);
  EXPECT_EQ(c.segments_of_recording(id).at(before - 1).end_reason, "discontinuity");
  expect_segments_playable(c);
  EXPECT_EQ(zcrec({"check", "--dir", dir}).exit_code, 0);
}

TEST(CliWriterRestart, GraceExpiringEndsTheRecordingAsWriterGone) {
  TempDir d("restart");
  const std::string dir = (d.path() / "store").string();
  ScopedStream stream("cli_grace");
  auto cam = TestsrcCamera::start(stream.name(), "320x240");
  auto rec = start_recorder(stream.name(), dir, {"--writer-grace", "1s"});
  const auto started = read_json_until(rec, "started", milliseconds(10'000));
  ASSERT_TRUE(started);
  const int64_t id = (*started)["recording_id"].get<int64_t>();
  ASSERT_TRUE(wait_for_segments(dir, id, [](const auto& s) { return !s.empty(); }, milliseconds(15'000)));
  cam.kill(SIGKILL);
  ASSERT_TRUE(cam.wait(milliseconds(5000)));
  const int64_t killed = clock_now(CLOCK_MONOTONIC);
  const auto status = rec.wait(milliseconds(15'000));
  const int64_t waited = clock_now(CLOCK_MONOTONIC) - killed;
  ASSERT_TRUE(status);
  EXPECT_TRUE(exited_with(*status, 0)) << describe_status(*status);
  EXPECT_GE(waited, 1'000'000'000) << "the recorder did not wait for the grace";
  EXPECT_LT(waited, 4'000'000'000);
  const auto fin = last_json_line(rec.read_rest(milliseconds(2000)));
  EXPECT_EQ(fin["end_reason"], "writer_gone");
  EXPECT_EQ(fin["writer_restarts"], 0);
  auto c = Catalog::open(dir);
  EXPECT_EQ(c.recording(id)->end_reason, "writer_gone");
  EXPECT_TRUE(c.gaps(stream.name()).empty()) << "nothing came after the break";
  expect_segments_playable(c);
}

TEST(CliWriterRestart, StopSignalDurationAndRetriggerStillApplyWhileWaitingForAWriter) {
  TempDir d("restart");
  const std::string dir = (d.path() / "store").string();
  ScopedStream stream("cli_wait");
  auto cam = TestsrcCamera::start(stream.name(), "320x240");
  // 6 s leaves room for slow starts on a loaded machine before the re-trigger below.
  auto timed = start_recorder(stream.name(), dir, {"--duration", "6s", "--writer-grace", "30s"});
  auto open = start_recorder(stream.name(), dir, {"--writer-grace", "30s"});
  ASSERT_TRUE(read_json_until(timed, "started", milliseconds(10'000)));
  ASSERT_TRUE(read_json_until(open, "started", milliseconds(10'000)));
  cam.kill(SIGKILL);
  ASSERT_TRUE(cam.wait(milliseconds(5000)));
  ASSERT_TRUE(read_json_until(timed, "is gone", milliseconds(10'000)));
  ASSERT_TRUE(read_json_until(open, "is gone", milliseconds(10'000)));

  // Late enough in the 6 s that an ignored re-trigger would show: the recording would end within ~4.5 s.
  std::this_thread::sleep_for(milliseconds(1000));
  const int64_t retriggered = clock_now(CLOCK_MONOTONIC);
  timed.kill(SIGUSR1);  // moves the end to now + 6 s
  open.kill(SIGINT);    // post-roll 0: ends at once
  const auto open_status = open.wait(milliseconds(5000));
  ASSERT_TRUE(open_status);
  EXPECT_TRUE(exited_with(*open_status, 0)) << describe_status(*open_status);
  EXPECT_EQ(last_json_line(open.read_rest(milliseconds(2000)))["end_reason"], "stopped");

  const auto timed_status = timed.wait(milliseconds(15'000));
  const int64_t ended_after = clock_now(CLOCK_MONOTONIC) - retriggered;
  ASSERT_TRUE(timed_status);
  EXPECT_TRUE(exited_with(*timed_status, 0)) << describe_status(*timed_status);
  EXPECT_EQ(last_json_line(timed.read_rest(milliseconds(2000)))["end_reason"], "duration");
  EXPECT_GE(ended_after, 5'900'000'000) << "SIGUSR1 did not extend the recording while it waited";
  EXPECT_LT(ended_after, 10'000'000'000);
}

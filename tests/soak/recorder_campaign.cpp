// Recorders killed at random moments: `zcrec start` on a live `zcrec feed testsrc` camera (GOP = fragment =
// 1 s), SIGKILLed 0.3..1.5 s after it started, then `zcrec check` recovers the interrupted segment. What the
// recording lost is what the camera captured from the recording's first frame until the kill, less what the
// recovered segments hold; the recorder promises at most one fragment.
#include "soak.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>

#include <nlohmann/json.hpp>

#include "support/child_process.h"
#include "support/test_support.h"

#include <signal.h>
#include <time.h>

#include <filesystem>
#include <random>
#include <thread>

namespace zc::soak {

using nlohmann::json;
using test::ChildProcess;
using namespace std::chrono_literals;

namespace {

constexpr int64_t kFragmentNs = 1'000'000'000;  // --gop 1s: the recorder cuts a fragment at every keyframe
constexpr int64_t kFrameNs = 1'000'000'000 / 30;

int64_t wall_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

struct Result {
  int status = -1;
  std::string out;
};

Result run(const Paths& p, std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
  args.insert(args.begin(), p.zcrec);
  auto c = ChildProcess::spawn(args);
  Result r;
  r.out = c.read_rest(timeout);
  const auto st = c.wait(5s);
  if (!st) {
    c.kill(SIGKILL);
    c.wait(5s);
    return r;
  }
  r.status = *st;
  return r;
}

}  // namespace

// A live camera writing into its own ring until the returned process is killed.
ChildProcess start_camera(const Paths& p, const std::string& stream, const std::vector<std::string>& extra) {
  std::vector<std::string> args{p.zcrec, "feed", "testsrc", "--stream", stream, "--fps", "30", "--gop", "1s",
                                "--bframes", "2", "--ring-size", "16M"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto cam = ChildProcess::spawn(args);
  const auto deadline = Clock::now() + 60s;
  while (Clock::now() < deadline) {
    try {
      const auto st = fifo::RingReader::inspect(stream);
      if (st.writer_alive && st.writer_pid == static_cast<uint32_t>(cam.pid()) && st.frames_written > 30) return cam;
    } catch (const fifo::FifoError&) {
    }
    std::this_thread::sleep_for(50ms);
  }
  throw std::runtime_error("zcrec feed testsrc did not start writing " + stream);
}

void run_recorder_campaign(const Paths& p, Clock::time_point until, RecorderFigures& f) {
  test::ScopedStream stream("soak_rec");
  auto cam = start_camera(p, stream.name(), {"--size", "320x240"});
  std::mt19937_64 rng(0xdead);
  uint64_t round = 0;
  std::filesystem::path dir;
  while (Clock::now() < until) {
    // A fresh catalog every 100 kills keeps `check` and `list` as quick at the end as at the start.
    if (round++ % 100 == 0) {
      if (!dir.empty()) std::filesystem::remove_all(dir);
      dir = std::filesystem::path(p.work_dir) / ("rec" + std::to_string(round));
    }
    auto rec = ChildProcess::spawn({p.zcrec, "start", stream.name(), "--preroll", "0", "--segment", "2s", "--dir",
                                    dir.string(), "--json"});
    const auto started = rec.read_line(15s);
    const auto s = started ? json::parse(*started, nullptr, false) : json();
    if (!s.is_object() || !s.contains("recording_id")) {
      ++f.failures;
      note("recorder: no 'started' line: " + started.value_or("<nothing>"));
      rec.kill(SIGKILL);
      rec.wait(5s);
      continue;
    }
    const int64_t id = s["recording_id"].get<int64_t>();
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 1200));
    const int64_t kill_wall = wall_now();
    rec.kill(SIGKILL);
    const auto st = rec.wait(5s);
    if (!st || !test::killed_by(*st, SIGKILL)) {
      ++f.failures;
      note("recorder: ended with " + (st ? test::describe_status(*st) : std::string("no status")));
      continue;
    }
    ++f.kills;
    const auto chk = run(p, {"check", "--dir", dir.string(), "--json"});
    const auto report = json::parse(chk.out.substr(0, chk.out.rfind('}') + 1), nullptr, false);
    if (chk.status != 0 || !report.is_object() || !report.value("consistent", false)) {
      ++f.inconsistent;
      note("recorder: check after kill " + std::to_string(f.kills.load()) + " says: " + chk.out);
    }
    const auto l = run(p, {"list", stream.name(), "--json", "--dir", dir.string(), "--from", "-2m"});
    const auto list = json::parse(l.out, nullptr, false);
    const json* mine = nullptr;
    if (list.is_array())
      for (const auto& r : list)
        if (r.value("id", int64_t{-1}) == id) mine = &r;
    if (mine == nullptr) {
      ++f.failures;
      note("recorder: recording " + std::to_string(id) + " is not listed: " + l.out.substr(0, 400));
      continue;
    }
    int64_t recorded_ns = 0;
    for (const auto& seg : (*mine)["segments"]) recorded_ns += seg.value("duration_90k", int64_t{0}) * 100'000 / 9;
    // Nothing captured yet when the recorder had not reached its first keyframe: then all since the trigger.
    const auto& first = (*mine)["start_wall_ns"];
    const int64_t from_ns = first.is_number() ? first.get<int64_t>() : (*mine)["trigger_wall_ns"].get<int64_t>();
    const int64_t lost_ns = std::max<int64_t>(0, kill_wall - from_ns - recorded_ns);
    const double fragments = static_cast<double>(lost_ns) / kFragmentNs;
    if (lost_ns > kFragmentNs + kFrameNs + 100'000'000) {
      ++f.over_one_fragment;
      note("recorder: kill " + std::to_string(f.kills.load()) + " lost " + std::to_string(fragments) +
           " fragments (recorded " + std::to_string(recorded_ns / 1'000'000) + " ms of " +
           std::to_string((kill_wall - from_ns) / 1'000'000) + " ms)");
    }
    std::lock_guard lock(f.m);
    f.fragments_lost.push_back(fragments);
  }
  if (!dir.empty()) std::filesystem::remove_all(dir);
  cam.kill(SIGTERM);
  cam.wait(10s);
}

}  // namespace zc::soak

#include "play.h"

#include <zc/fifo/clock.h>
#include <zc/fifo/playback_fifo.h>
#include <zc/playback/player.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

extern char** environ;

namespace zc::bench::play {
namespace {


void run_ffmpeg(std::vector<std::string> args, const std::string& what) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawnp(&pid, "ffmpeg", nullptr, nullptr, argv.data(), environ) != 0)
    throw std::runtime_error("cannot run ffmpeg to " + what);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("ffmpeg failed to " + what);
}

}  // namespace

std::vector<std::filesystem::path> make_segments(const std::filesystem::path& dir, int seconds,
                                                 int segment_seconds) {
  run_ffmpeg({"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-t",
              std::to_string(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-bf", "2", "-f",
              "segment", "-segment_time", std::to_string(segment_seconds), "-segment_format", "mp4",
              "-segment_format_options", "movflags=frag_keyframe+empty_moov+default_base_moof", "-reset_timestamps",
              "1", (dir / "seg%03d.mp4").string()},
             "encode the benchmark segments");
  std::vector<std::filesystem::path> out;
  for (int i = 0;; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "seg%03d.mp4", i);
    if (!std::filesystem::exists(dir / name)) break;
    out.push_back(dir / name);
  }
  if (out.empty()) throw std::runtime_error("ffmpeg made no segments");
  return out;
}

ReplayResult measure_replay(const std::vector<std::filesystem::path>& segments, int segment_seconds) {
  const fifo::SystemClock clock;  // the measurement's one clock
  ReplayResult r;
  // Baseline: ffmpeg reading every segment and throwing the packets away.
  const int64_t f0 = clock.mono_ns();
  for (const auto& s : segments)
    run_ffmpeg({"ffmpeg", "-nostdin", "-v", "error", "-i", s.string(), "-c", "copy", "-f", "null", "-"},
               "read " + s.string());
  const double ffmpeg_s = static_cast<double>(clock.mono_ns() - f0) / 1e9;

  // zcrec: the same segments, one player at --max into a playback fifo, a reader thread taking every frame.
  playback::Timeline t;
  t.label = "benchmark segments";
  for (size_t i = 0; i < segments.size(); ++i) {
    playback::TimelineSegment s;
    s.path = segments[i];
    s.start_wall_ns = 1'000'000'000 + static_cast<int64_t>(i) * segment_seconds * 1'000'000'000LL;
    t.segments.push_back(std::move(s));
  }
  playback::PlayOptions o;
  o.max = true;
  playback::Player player(t, o);
  const std::string name = "zcbench_replay_" + std::to_string(::getpid());
  auto sink = playback::make_fifo_sink(name, {});
  uint64_t received = 0;
  std::thread consumer([&] {
    fifo::PlaybackReaderOptions ro;
    ro.wait_for_fifo = std::chrono::seconds(5);
    auto reader = fifo::PlaybackReader::open(name, ro);
    fifo::Frame f;
    while (reader.read(f, std::chrono::seconds(10)) == fifo::PlaybackStatus::frame) ++received;
  });
  const int64_t z0 = clock.mono_ns();
  const auto result = player.run(*sink);
  consumer.join();
  const double replay_s = static_cast<double>(clock.mono_ns() - z0) / 1e9;
  sink.reset();
  fifo::PlaybackWriter::remove(name);
  if (received != result.frames) throw std::runtime_error("replay benchmark lost frames");
  r.frames = result.frames;
  r.replay_frames_per_s = static_cast<double>(r.frames) / replay_s;
  r.ffmpeg_frames_per_s = static_cast<double>(r.frames) / ffmpeg_s;
  return r;
}

}  // namespace zc::bench::play

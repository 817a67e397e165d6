// `zcrec bench play`: playback fifo throughput against a two-thread hand-off (and memcpy, for reference), replay
// speed against ffmpeg, in one run.
#include "play.h"
#include "commands_internal.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>

namespace zc::bench {
namespace {

struct BenchPlayArgs {
  bool json = false;
  uint64_t frame_bytes = 256 * 1024;
  uint64_t total_bytes = 512ULL << 20;
  int rounds = 5;
  uint64_t fifo_bytes = 16ULL << 20;
  int seconds = 60;
};

void run_bench_play(const BenchPlayArgs& a) {
  if (a.frame_bytes == 0 || a.frame_bytes > a.fifo_bytes / 8)
    throw CLI::ValidationError("--frame-size", "must be between 1 byte and an eighth of --fifo-size");
  // Baseline and fifo alternate, best of each kept: on a shared machine the least disturbed run is the truest.
  play::FifoThroughput fifo, fifo_copy;
  play::HandoffThroughput handoff, handoff_copy;
  for (int round = 0; round < a.rounds; ++round) {
    const auto z = play::measure_fifo(a.frame_bytes, a.total_bytes, a.fifo_bytes, false);
    const auto hz = play::measure_handoff(a.frame_bytes, a.total_bytes, a.fifo_bytes, false);
    const auto c = play::measure_fifo(a.frame_bytes, a.total_bytes, a.fifo_bytes, true);
    const auto hc = play::measure_handoff(a.frame_bytes, a.total_bytes, a.fifo_bytes, true);
    handoff.frames = hz.frames;
    handoff.bytes_per_s = std::max(handoff.bytes_per_s, hz.bytes_per_s);
    handoff_copy.bytes_per_s = std::max(handoff_copy.bytes_per_s, hc.bytes_per_s);
    for (auto* best : {&fifo, &fifo_copy}) {
      const auto& now = best == &fifo ? z : c;
      best->frames = now.frames;
      best->frame_bytes = now.frame_bytes;
      best->fifo_bytes_per_s = std::max(best->fifo_bytes_per_s, now.fifo_bytes_per_s);
      best->memcpy_bytes_per_s = std::max({best->memcpy_bytes_per_s, z.memcpy_bytes_per_s, c.memcpy_bytes_per_s});
    }
  }

  std::string tmpl = (std::filesystem::temp_directory_path() / "zcrec_bench_play_XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot create a temporary directory");
  const std::filesystem::path dir = tmpl;
  play::ReplayResult replay;
  try {
    const int segment_seconds = 2;
    const auto segments = play::make_segments(dir, a.seconds, segment_seconds);
    replay = play::measure_replay(segments, segment_seconds);
  } catch (...) {
    std::filesystem::remove_all(dir);
    throw;
  }
  std::filesystem::remove_all(dir);

  // The fair comparison is the two-thread hand-off (docs/benchmarks.md); memcpy stays for reference: on hosts
  // where a fifo-sized buffer stays in cache, one thread's copy is beyond any hand-off between two threads.
  const double fifo_vs_handoff = fifo.fifo_bytes_per_s / handoff.bytes_per_s;
  const double copying_reader_vs_handoff = fifo_copy.fifo_bytes_per_s / handoff_copy.bytes_per_s;
  const double fifo_vs_memcpy = fifo.fifo_bytes_per_s / fifo.memcpy_bytes_per_s;
  const double copying_reader_vs_memcpy = fifo_copy.fifo_bytes_per_s / fifo.memcpy_bytes_per_s;
  const double ratio = replay.replay_frames_per_s / replay.ffmpeg_frames_per_s;
  if (a.json) {
    nlohmann::json j = {{"fifo_vs_handoff", fifo_vs_handoff},
                        {"handoff_bytes_per_s", handoff.bytes_per_s},
                        {"copying_reader_vs_handoff", copying_reader_vs_handoff},
                        {"copying_handoff_bytes_per_s", handoff_copy.bytes_per_s},
                        {"fifo_vs_memcpy", fifo_vs_memcpy},
                        {"fifo_bytes_per_s", fifo.fifo_bytes_per_s},
                        {"memcpy_bytes_per_s", fifo.memcpy_bytes_per_s},
                        {"copying_reader_vs_memcpy", copying_reader_vs_memcpy},
                        {"fifo_frame_bytes", fifo.frame_bytes},
                        {"fifo_frames", fifo.frames},
                        {"replay_frames_per_s", replay.replay_frames_per_s},
                        {"ffmpeg_frames_per_s", replay.ffmpeg_frames_per_s},
                        {"ratio", ratio},
                        {"replay_frames", replay.frames}};
    std::cout << j.dump(2) << std::endl;
    return;
  }
  std::printf("fifo:   %.2f GB/s writer->reader vs a two-thread hand-off %.2f GB/s  fifo_vs_handoff = %.2f (target >= 0.8)\n",
              fifo.fifo_bytes_per_s / 1e9, handoff.bytes_per_s / 1e9, fifo_vs_handoff);
  std::printf("        a reader copying every frame out: fifo_vs_handoff = %.2f\n", copying_reader_vs_handoff);
  std::printf("        for reference, one thread's memcpy %.2f GB/s: fifo_vs_memcpy = %.2f, copying reader %.2f\n",
              fifo.memcpy_bytes_per_s / 1e9, fifo_vs_memcpy, copying_reader_vs_memcpy);
  std::printf("replay: %.0f frames/s at --max vs ffmpeg -c copy -f null %.0f frames/s  ratio = %.2f (target >= 1.0)\n",
              replay.replay_frames_per_s, replay.ffmpeg_frames_per_s, ratio);
}

}  // namespace

void add_play_command(CLI::App& app) {
  auto a = std::make_shared<BenchPlayArgs>();
  auto* cmd = app.add_subcommand("play", "Playback fifo vs a two-thread hand-off (and memcpy), and replay at --max vs ffmpeg, in one run");
  cmd->add_flag("--json", a->json, "Print the results as JSON");
  cmd->add_option("--frame-size", a->frame_bytes, "Frame size for the fifo measurement")
      ->transform(size_bytes())
      ->capture_default_str();
  cmd->add_option("--bytes", a->total_bytes, "Bytes pushed through the fifo")
      ->transform(size_bytes())
      ->capture_default_str();
  cmd->add_option("--rounds", a->rounds, "Alternating baseline/fifo rounds; the best of each is reported")
      ->check(in_range(1, 100))
      ->capture_default_str();
  cmd->add_option("--fifo-size", a->fifo_bytes, "Playback fifo capacity")
      ->transform(size_bytes())
      ->capture_default_str();
  cmd->add_option("--seconds", a->seconds, "Length of the 720p30 recording replayed (2-second segments)")
      ->check(in_range(2, 3600))
      ->capture_default_str();
  cmd->callback([a] { run_bench_play(*a); });
}

}  // namespace zc::bench

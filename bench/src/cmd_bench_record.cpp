// `zcrec bench record [--json] [--input FILE]`: CPU per frame of ring -> recorder -> MP4 + catalog against
// the ffmpeg segment muxer on the same stream (their ratio), and the most real-time streams one process
// records with zero dropped frames. Absolute times on a shared machine are noise; the ratio is the result.
#include "record.h"
#include "commands_internal.h"

#include <nlohmann/json.hpp>

#include <stdlib.h>

#include <algorithm>
#include <stdexcept>
#include <cstdio>
#include <iostream>
#include <memory>

namespace zc::bench {
namespace {

struct BenchRecordArgs {
  std::string input;
  bool json = false;
  int seconds = 30;
  int rounds = 3;
  double stream_seconds = 5;
  std::vector<int> ramp = {8, 16, 32, 64, 96, 128};
};

// Removes the benchmark's scratch directory.
class ScratchDir {
 public:
  ScratchDir() {
    std::string t = (std::filesystem::temp_directory_path() / "zcrec-bench-record-XXXXXX").string();
    if (::mkdtemp(t.data()) == nullptr) throw std::runtime_error("cannot create a scratch directory");
    path_ = t;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void run_bench_record(const BenchRecordArgs& a) {
  ScratchDir scratch;
  const auto input = a.input.empty() ? bench::generate_input(scratch.path(), a.seconds) : std::filesystem::path(a.input);
  const auto stream = load_input(input);
  if (stream.video_frames == 0) throw std::runtime_error(input.string() + " has no video frames");
  // Alternate the two in rounds and take medians: load from other processes then hits both alike.
  std::vector<double> zc_us, ff_us, ratios;
  bench::CpuResult zc, ff;
  for (int round = 0; round < a.rounds; ++round) {
    const auto dir = scratch.path() / ("round" + std::to_string(round));
    zc = bench::measure_recorder(stream, dir, 10'000'000'000);
    ff = bench::measure_ffmpeg(stream, dir);
    zc_us.push_back(zc.cpu_us_per_frame);
    ff_us.push_back(ff.cpu_us_per_frame);
    ratios.push_back(zc.cpu_us_per_frame / ff.cpu_us_per_frame);
    std::filesystem::remove_all(dir);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  zc.cpu_us_per_frame = median(zc_us);
  ff.cpu_us_per_frame = median(ff_us);
  nlohmann::json ramp = nlohmann::json::array();
  int max_ok = 0;
  for (int n : a.ramp) {
    const auto p = bench::measure_parallel(stream, scratch.path() / ("p" + std::to_string(n)), n, a.stream_seconds);
    ramp.push_back({{"streams", n}, {"frames_recorded", p.frames_recorded}, {"frames_lost", p.frames_lost},
                    {"cpu_percent", p.cpu_percent}, {"wall_s", p.wall_s}});
    if (!a.json) {
      std::fprintf(stderr, "%3d streams: %lld frames, %lld lost, CPU %.0f%%\n", n,
                   static_cast<long long>(p.frames_recorded), static_cast<long long>(p.frames_lost), p.cpu_percent);
    }
    if (!p.ok()) break;
    max_ok = n;
  }
  const double ratio = median(ratios);
  nlohmann::json out = {{"input", input.string()},
                        {"frames", stream.video_frames},
                        {"zcrec_cpu_us_per_frame", zc.cpu_us_per_frame},
                        {"zcrec_segments", zc.segments},
                        {"ffmpeg_cpu_us_per_frame", ff.cpu_us_per_frame},
                        {"ffmpeg_segments", ff.segments},
                        {"ratio", ratio},
                        {"rounds", a.rounds},
                        {"zcrec_cpu_us_per_frame_rounds", zc_us},
                        {"ffmpeg_cpu_us_per_frame_rounds", ff_us},
                        {"ratio_rounds", ratios},
                        {"ratio_target", 0.25},
                        {"max_streams_zero_drop", max_ok},
                        {"max_streams_target", 64},
                        {"ramp", ramp}};
  if (a.json) {
    std::cout << out.dump(2) << std::endl;
    return;
  }
  std::printf("frames                   %lld\n", static_cast<long long>(stream.video_frames));
  std::printf("zcrec_cpu_us_per_frame   %.1f\n", zc.cpu_us_per_frame);
  std::printf("ffmpeg_cpu_us_per_frame  %.1f\n", ff.cpu_us_per_frame);
  std::printf("ratio                    %.3f (target <= 0.25)\n", ratio);
  std::printf("max_streams_zero_drop    %d (target >= 64)\n", max_ok);
}

}  // namespace

void add_record_command(CLI::App& bench) {
  auto args = std::make_shared<BenchRecordArgs>();
  auto* cmd = bench.add_subcommand("record", "Recorder CPU per frame vs the ffmpeg segment muxer; parallel streams");
  cmd->add_option("--input", args->input, "H.264 elementary stream (default: 1080p30 ~4 Mb/s generated with ffmpeg)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--seconds", args->seconds, "Length of the generated input")->check(in_range(2, 600));
  cmd->add_option("--rounds", args->rounds, "Alternating zcrec/ffmpeg rounds; medians are reported")
      ->check(in_range(1, 50));
  cmd->add_option("--stream-seconds", args->stream_seconds, "How long each parallel-stream step records")
      ->check(in_range(1.0, 600.0));
  cmd->add_option("--ramp", args->ramp, "Stream counts to try in order; stops at the first that drops a frame")
      ->check(in_range(1, 512));
  cmd->add_flag("--json", args->json, "Machine-readable result");
  cmd->callback([args] { run_bench_record(*args); });
}

}  // namespace zc::bench

// `zcrec bench fifo`: throughput of the live ring against memcpy, wakeup latency against a raw pipe, and the
// pre-roll lookup, all measured in one run (see docs/benchmarks.md for how to read the numbers).
#include "fifo.h"
#include "commands_internal.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace zc::bench {

namespace {

struct BenchFifoArgs {
  bool json = false;
  uint64_t frame_bytes = 64 * 1024;
  uint64_t ring_bytes = 64ULL << 20;
  int wake_frames = 2000;
  uint64_t preroll_frames = 20000;
};

void run_bench_fifo(const BenchFifoArgs& a) {
  const auto tp = measure_throughput(static_cast<size_t>(a.frame_bytes), a.ring_bytes);
  // The ring's single-reader wakeup and its one-way floor alternate in blocks, so that a change in machine load
  // during the run hits both alike.
  constexpr int kBlocks = 4;
  std::vector<double> wake1, oneway;
  for (int b = 0; b < kBlocks; ++b) {
    const auto ring = measure_wakeups(1, a.wake_frames / kBlocks);
    const auto raw = measure_oneway_floor(a.wake_frames / kBlocks);
    wake1.insert(wake1.end(), ring.begin(), ring.end());
    oneway.insert(oneway.end(), raw.begin(), raw.end());
  }
  const auto wake16 = measure_wakeups(16, a.wake_frames / 4);
  const auto pipe = measure_pipe_floor(a.wake_frames);
  const auto pre = measure_preroll_lookup(a.preroll_frames);

  nlohmann::ordered_json j;
  j["frame_size_bytes"] = a.frame_bytes;
  j["ring_bytes"] = a.ring_bytes;
  j["memcpy_gbps"] = tp.memcpy_gbps;
  j["writer_gbps"] = tp.writer_gbps;
  j["writer_vs_memcpy"] = tp.writer_gbps / tp.memcpy_gbps;
  j["memcpy_read_gbps"] = tp.memcpy_read_gbps;
  j["reader_gbps"] = tp.reader_gbps;
  j["reader_vs_memcpy"] = tp.reader_gbps / tp.memcpy_read_gbps;
  j["wake_p50_us"] = percentile(wake1, 50);
  j["wake_p99_us"] = percentile(wake1, 99);
  j["wake_samples"] = wake1.size();
  j["wake16_p50_us"] = percentile(wake16, 50);
  j["wake16_p99_us"] = percentile(wake16, 99);
  j["wake16_samples"] = wake16.size();
  j["oneway_wake_p50_us"] = percentile(oneway, 50);
  j["oneway_wake_p99_us"] = percentile(oneway, 99);
  j["wake_vs_oneway_p50"] = percentile(wake1, 50) / percentile(oneway, 50);
  j["wake_vs_oneway_p99"] = percentile(wake1, 99) / percentile(oneway, 99);
  j["pipe_wake_p50_us"] = percentile(pipe, 50);
  j["pipe_wake_p99_us"] = percentile(pipe, 99);
  j["wake_vs_pipe_p50"] = percentile(wake1, 50) / percentile(pipe, 50);
  j["preroll_lookup_us"] = pre.lookup_us;
  j["preroll_frames_held"] = pre.frames_held;
  j["preroll_keyframes_held"] = pre.keyframes_held;
  if (a.json) {
    std::cout << j.dump() << std::endl;
    return;
  }
  for (const auto& [key, value] : j.items()) std::cout << key << ": " << value.dump() << "\n";
}

}  // namespace

void add_fifo_command(CLI::App& app) {
  auto args = std::make_shared<BenchFifoArgs>();
  auto* cmd = app.add_subcommand("fifo", "Measure the live ring: throughput vs memcpy, wakeups vs a raw pipe, "
                                         "pre-roll lookup; one JSON object with --json");
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->add_option("--frame-size", args->frame_bytes, "payload bytes per frame (e.g. 64K, 1M)")
      ->transform(size_bytes())
      ->check(in_range(uint64_t{1}, uint64_t{256} << 20))
      ->capture_default_str();
  cmd->add_option("--ring-size", args->ring_bytes, "data area of the throughput ring (e.g. 64M)")
      ->transform(size_bytes())
      ->check(in_range(uint64_t{1} << 20, uint64_t{4} << 30))
      ->capture_default_str();
  cmd->add_option("--wake-frames", args->wake_frames, "commits timed for the single-reader wakeup")
      ->check(in_range(100, 1000000))
      ->capture_default_str();
  cmd->add_option("--preroll-frames", args->preroll_frames, "frames held in the ring for the pre-roll lookup")
      ->check(in_range(uint64_t{1000}, uint64_t{100000}))
      ->capture_default_str();
  cmd->callback([args] { run_bench_fifo(*args); });
}

}  // namespace zc::bench

// `zcrec bench ingest --url rtsp://…`: CPU of `zcrec feed` (RTSP demux, access units into a ring) against
// `ffmpeg -rtsp_transport tcp -i URL -t S -c copy -f null -` on the same live stream, in alternating rounds of
// equal length; both are child processes. Two figures: the whole run (wait4()), and the steady state after a
// warm-up (the whole run minus the CPU /proc/PID/stat showed at the end of the warm-up), which leaves out what
// each does once: ffmpeg's and feed's stream probing, and feed allocating and prefaulting its ring — a camera
// process runs for months. The ratios are the result: the stream, the machine's load and the server's own
// encoding hit both alike. docs/benchmarks.md says how to serve a 1080p30 ~4 Mb/s stream locally
// (tests/cli/rtsp_camera.py).
#include "commands_internal.h"
#include "round_stats.h"
#include "serve.h"

#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>
#include <zc/media/source_url.h>

#include <nlohmann/json.hpp>

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>
#include <cstdio>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace zc::bench {
namespace {

struct BenchIngestArgs {
  std::string url;
  int seconds = 30;
  int warmup = 5;
  int rounds = 3;
  bool json = false;
  std::string rtsp_client = "native";  // feed's --rtsp-client
  std::string feed_binary;             // the zcrec that runs feed (empty: this one)
};

struct ChildCpu {
  double total_s = 0;   // the whole run
  double steady_s = 0;  // after the warm-up
};

// Runs argv to its end; its CPU over the whole run and after `warmup` (`at_warmup` runs then). Throws if it fails.
ChildCpu child_cpu(std::vector<std::string> args, const std::string& what, int warmup_s,
                   const std::function<void()>& at_warmup = {}) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
    throw std::runtime_error("cannot run " + what);
  std::this_thread::sleep_for(std::chrono::seconds(warmup_s));
  const double cpu_at_warmup = proc_cpu_seconds(pid);
  if (at_warmup) at_warmup();
  int status = 0;
  rusage ru{};
  if (::wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(what + " failed on the stream (is the camera serving?)");
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  ChildCpu c;
  c.total_s = s(ru.ru_utime) + s(ru.ru_stime);
  c.steady_s = std::max(0.0, c.total_s - cpu_at_warmup);
  return c;
}

void run_bench_ingest(const BenchIngestArgs& a) {
  const std::string self = a.feed_binary.empty() ? "/proc/self/exe" : a.feed_binary;
  const std::string stream = "zcbench_ingest_" + std::to_string(::getpid());
  const std::string seconds = std::to_string(a.seconds);
  if (a.warmup >= a.seconds) throw CLI::ValidationError("--warmup", "must be shorter than --seconds");
  std::vector<double> feed_us, ffmpeg_us, ratios, steady_ratios, steady_feed_us, steady_ffmpeg_us;
  int64_t frames = 0;
  int64_t frames_at_warmup = -1;
  for (int round = 0; round < a.rounds; ++round) {
    ChildCpu feed_cpu, ffmpeg_cpu;
    auto run_feed = [&] {
      frames_at_warmup = -1;
      feed_cpu = child_cpu({self, "feed", a.url, "--stream", stream, "--once", "--duration", seconds + "s",
                            "--rtsp-client", a.rtsp_client},
                           "zcrec feed", a.warmup, [&] {
                             try {
                               frames_at_warmup = static_cast<int64_t>(fifo::RingReader::inspect(stream).frames_written);
                             } catch (const std::exception&) {  // no ring yet: the camera had not answered
                             }
                           });
      frames = static_cast<int64_t>(fifo::RingReader::inspect(stream).frames_written);
      fifo::RingWriter::remove(stream);
    };
    auto run_ffmpeg = [&] {
      ffmpeg_cpu = child_cpu({"ffmpeg", "-nostdin", "-v", "quiet", "-rtsp_transport", "tcp", "-i", a.url, "-t",
                              seconds, "-c", "copy", "-f", "null", "-"},
                             "ffmpeg", a.warmup);
    };
    // Alternate which goes first, so that a trend in the machine's load does not favour one of them.
    if (round % 2 == 0) run_feed(), run_ffmpeg();
    else run_ffmpeg(), run_feed();
    if (frames <= 0) throw std::runtime_error("zcrec feed wrote no frames");
    // Both ran for the same media time on the same stream: the feed's frame count stands for both.
    feed_us.push_back(feed_cpu.total_s * 1e6 / static_cast<double>(frames));
    ffmpeg_us.push_back(ffmpeg_cpu.total_s * 1e6 / static_cast<double>(frames));
    ratios.push_back(feed_cpu.total_s / std::max(ffmpeg_cpu.total_s, 1e-9));
    steady_ratios.push_back(feed_cpu.steady_s / std::max(ffmpeg_cpu.steady_s, 1e-9));
    // The frames after the warm-up: the feed's own count then, or (no ring yet) the share of the media time.
    const double steady_frames = std::max<double>(
        1, frames_at_warmup >= 0 ? static_cast<double>(frames - frames_at_warmup)
                                 : static_cast<double>(frames) * (a.seconds - a.warmup) / a.seconds);
    steady_feed_us.push_back(feed_cpu.steady_s * 1e6 / steady_frames);
    steady_ffmpeg_us.push_back(ffmpeg_cpu.steady_s * 1e6 / steady_frames);
    if (!a.json)
      std::fprintf(stderr, "round %d: feed %.1f µs/frame, ffmpeg %.1f µs/frame (%lld frames); steady state %.3f\n",
                   round + 1, feed_us.back(), ffmpeg_us.back(), static_cast<long long>(frames),
                   steady_ratios.back());
  }
  nlohmann::json j = {{"url", media::redact_credentials(a.url)},
                      {"rtsp_client", a.rtsp_client},
                      {"seconds", a.seconds},
                      {"rounds", a.rounds},
                      {"frames_per_round", frames},
                      {"feed_cpu_us_per_frame", median(feed_us)},
                      {"ffmpeg_cpu_us_per_frame", median(ffmpeg_us)},
                      {"feed_vs_ffmpeg", median(ratios)},
                      {"feed_vs_ffmpeg_rounds", ratios},
                      {"warmup_seconds", a.warmup},
                      {"steady_feed_cpu_us_per_frame", median(steady_feed_us)},
                      {"steady_ffmpeg_cpu_us_per_frame", median(steady_ffmpeg_us)},
                      {"steady_feed_vs_ffmpeg", median(steady_ratios)},
                      {"steady_feed_vs_ffmpeg_rounds", steady_ratios}};
  if (a.json) {
    std::cout << j.dump() << "\n";
    return;
  }
  std::printf("zcrec feed  %.1f µs CPU per frame (median of %d rounds of %d s, %s RTSP client)\n", median(feed_us),
              a.rounds, a.seconds, a.rtsp_client.c_str());
  std::printf("ffmpeg      %.1f µs CPU per frame (-c copy -f null)\n", median(ffmpeg_us));
  std::printf("ratio       %.3f (feed / ffmpeg over the whole run)\n", median(ratios));
  std::printf("steady     %.3f (feed / ffmpeg after %d s of warm-up; target <= 0.3 with the native client): feed %.1f, "
              "ffmpeg %.1f µs CPU per frame\n",
              median(steady_ratios), a.warmup, median(steady_feed_us), median(steady_ffmpeg_us));
}

}  // namespace

void add_ingest_command(CLI::App& bench) {
  auto a = std::make_shared<BenchIngestArgs>();
  auto* cmd = bench.add_subcommand(
      "ingest", "CPU per frame of `zcrec feed` on a live RTSP stream against `ffmpeg -c copy -f null` on the same one");
  cmd->add_option("--url", a->url, "the RTSP stream, e.g. from tests/cli/rtsp_camera.py --size 1920x1080 --fps 30")
      ->required();
  cmd->add_option("--seconds", a->seconds, "media time per run")->check(in_range(2, 600))->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "seconds of each run left out of the steady-state figure")
      ->check(in_range(0, 599))
      ->capture_default_str();
  cmd->add_option("--feed-binary", a->feed_binary,
                  "the zcrec (or a script that execs one) whose feed is measured, to compare two builds with one harness "
                  "(default: this zcrec)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--rounds", a->rounds, "alternating rounds; medians are reported")
      ->check(in_range(1, 20))
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "one JSON object on stdout");
  cmd->add_option("--rtsp-client", a->rtsp_client, "feed's RTSP client: native (zc::ingest) or libavformat")
      ->check(CLI::IsMember({"native", "libavformat"}))
      ->capture_default_str();
  cmd->callback([a] { run_bench_ingest(*a); });
}

}  // namespace zc::bench

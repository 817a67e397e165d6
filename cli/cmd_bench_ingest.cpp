// `zcrec bench ingest --url rtsp://…`: CPU of `zcrec feed` (RTSP demux, access units into a ring) against
// `ffmpeg -rtsp_transport tcp -i URL -t S -c copy -f null -` on the same live stream, in alternating rounds of
// equal length; both are child processes measured with wait4(). The ratio is the result: the stream, the
// machine's load and the server's own encoding hit both alike. docs/benchmarks.md says how to serve a
// 1080p30 ~4 Mb/s stream locally (tests/cli/rtsp_camera.py).
#include "commands.h"

#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>
#include <zc/media/source_url.h>

#include <nlohmann/json.hpp>

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace zc::cli {
namespace {

struct BenchIngestArgs {
  std::string url;
  int seconds = 20;
  int rounds = 3;
  bool json = false;
};

// Runs argv to its end; returns the child's user + system CPU in seconds. Throws if it fails.
double child_cpu_seconds(std::vector<std::string> args, const std::string& what) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
    throw std::runtime_error("cannot run " + what);
  int status = 0;
  rusage ru{};
  if (::wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(what + " failed on the stream (is the camera serving?)");
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

void run_bench_ingest(const BenchIngestArgs& a) {
  const std::string self = "/proc/self/exe";
  const std::string stream = "zcbench_ingest_" + std::to_string(::getpid());
  const std::string seconds = std::to_string(a.seconds);
  std::vector<double> feed_us, ffmpeg_us, ratios;
  int64_t frames = 0;
  for (int round = 0; round < a.rounds; ++round) {
    double feed_cpu = 0, ffmpeg_cpu = 0;
    auto run_feed = [&] {
      feed_cpu = child_cpu_seconds({self, "feed", a.url, "--stream", stream, "--once", "--duration", seconds + "s"},
                                   "zcrec feed");
      frames = static_cast<int64_t>(fifo::RingReader::inspect(stream).frames_written);
      fifo::RingWriter::remove(stream);
    };
    auto run_ffmpeg = [&] {
      ffmpeg_cpu = child_cpu_seconds({"ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", a.url, "-t",
                                      seconds, "-c", "copy", "-f", "null", "-"},
                                     "ffmpeg");
    };
    // Alternate which goes first, so that a trend in the machine's load does not favour one of them.
    if (round % 2 == 0) run_feed(), run_ffmpeg();
    else run_ffmpeg(), run_feed();
    if (frames <= 0) throw std::runtime_error("zcrec feed wrote no frames");
    // Both ran for the same media time on the same stream: the feed's frame count stands for both.
    feed_us.push_back(feed_cpu * 1e6 / static_cast<double>(frames));
    ffmpeg_us.push_back(ffmpeg_cpu * 1e6 / static_cast<double>(frames));
    ratios.push_back(feed_cpu / std::max(ffmpeg_cpu, 1e-9));
    if (!a.json)
      std::fprintf(stderr, "round %d: feed %.1f µs/frame, ffmpeg %.1f µs/frame (%lld frames)\n", round + 1,
                   feed_us.back(), ffmpeg_us.back(), static_cast<long long>(frames));
  }
  nlohmann::json j = {{"url", media::redact_credentials(a.url)},
                      {"seconds", a.seconds},
                      {"rounds", a.rounds},
                      {"frames_per_round", frames},
                      {"feed_cpu_us_per_frame", median(feed_us)},
                      {"ffmpeg_cpu_us_per_frame", median(ffmpeg_us)},
                      {"feed_vs_ffmpeg", median(ratios)},
                      {"feed_vs_ffmpeg_rounds", ratios}};
  if (a.json) {
    std::cout << j.dump() << "\n";
    return;
  }
  std::printf("zcrec feed  %.1f µs CPU per frame (median of %d rounds of %d s)\n", median(feed_us), a.rounds,
              a.seconds);
  std::printf("ffmpeg      %.1f µs CPU per frame (-c copy -f null)\n", median(ffmpeg_us));
  std::printf("ratio       %.3f (feed / ffmpeg; target <= 1.0)\n", median(ratios));
}

}  // namespace

void add_bench_ingest_command(CLI::App& bench) {
  auto a = std::make_shared<BenchIngestArgs>();
  auto* cmd = bench.add_subcommand(
      "ingest", "CPU per frame of `zcrec feed` on a live RTSP stream against `ffmpeg -c copy -f null` on the same one");
  cmd->add_option("--url", a->url, "the RTSP stream, e.g. from tests/cli/rtsp_camera.py --size 1920x1080 --fps 30")
      ->required();
  cmd->add_option("--seconds", a->seconds, "media time per run")->check(CLI::Range(2, 600))->capture_default_str();
  cmd->add_option("--rounds", a->rounds, "alternating rounds; medians are reported")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "one JSON object on stdout");
  cmd->callback([a] { run_bench_ingest(*a); });
}

}  // namespace zc::cli

// `zcrec bench serve [--cameras N] [--seconds 60] [--find-max]`: zcrecd recording N cameras continuously (run A)
// against the ffmpeg command peers run per camera (run B), in the same run, on the same real-time input; the
// event API's latency during run A; with --find-max, shorter runs of A at growing N up to the first one that
// loses a frame. docs/benchmarks.md explains the set-up and holds the results.
#include "commands_internal.h"
#include "record.h"
#include "serve.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace zc::bench {
namespace fs = std::filesystem;

namespace {

struct BenchServeArgs {
  int cameras = 16;
  int seconds = 60;
  int warmup = 5;
  double events_per_s = 5;
  bool find_max = false;
  int find_max_seconds = 20;
  std::vector<int> steps = {8, 16, 32, 48, 64, 96, 128};
  bool json = false;
  std::string input, dir, zcrecd;
  CameraSource source = CameraSource::pipe;
};

fs::path find_zcrecd(const std::string& given) {
  if (!given.empty()) return given;
  // Installed next to zcrec; in the build tree zcrec is cli/zcrec and zcrecd service/zcrecd.
  const auto self = fs::read_symlink("/proc/self/exe");
  for (const auto& c : {self.parent_path() / "zcrecd", self.parent_path().parent_path() / "service" / "zcrecd"})
    if (fs::exists(c)) return c;
  throw std::runtime_error("zcrecd not found next to " + self.string() + " (use --zcrecd)");
}

nlohmann::json to_json(const ServeResult& r, bool service) {
  nlohmann::json j = {{"cameras", r.cameras},
                      {"window_s", r.window_s},
                      {"cpu_s", r.cpu_s},
                      {"cpu_percent", r.cpu_percent},
                      {"camera_frames", r.nominal_frames},
                      {"cpu_us_per_camera_frame", r.cpu_us_per_camera_frame},
                      {"context_switches_per_camera_frame",
                       static_cast<double>(r.context_switches) / static_cast<double>(std::max<int64_t>(1, r.nominal_frames))},
                      {"pacer_frames", r.pacer_frames},
                      {"pacer_dropped", r.pacer_dropped},
                      {"pacer_reopens", r.pacer_reopens},
                      {"pacer_max_late_ms", r.pacer_max_late_ms},
                      {"frames_lost", r.frames_lost},
                      {"load_before", r.load_before},
                      {"load_after", r.load_after}};
  if (service) {
    const double frames = static_cast<double>(std::max<int64_t>(1, r.nominal_frames));
    j.update({{"daemon_cpu_us_per_camera_frame", r.daemon_cpu_s * 1e6 / frames},
              {"ingest_cpu_us_per_camera_frame", r.ingest_cpu_s * 1e6 / frames},
              {"daemon_context_switches_per_camera_frame", static_cast<double>(r.daemon_switches) / frames},
              {"ingest_context_switches_per_camera_frame", static_cast<double>(r.ingest_switches) / frames},
              {"ring_frames_window", r.ring_frames_window},
              {"ring_frames_written", r.ring_frames_written},
              {"frames_recorded", r.frames_recorded},
              {"segments", r.segments},
              {"gap_rows", r.gap_rows},
              {"gap_frames_lost", r.gap_frames_lost},
              {"recording_frames_lost", r.recording_frames_lost},
              {"ring_frames_dropped", r.ring_frames_dropped},
              {"ingest_restarts", r.ingest_restarts},
              {"zero_loss", r.zero_loss()},
              {"events_posted", r.events_posted},
              {"events_failed", r.events_failed},
              {"event_p50_ms", r.event_p50_ms},
              {"event_p99_ms", r.event_p99_ms},
              {"event_max_ms", r.event_max_ms}});
  }
  return j;
}

void print_service(const ServeResult& a) {
  std::printf("zcrecd    %.1f µs CPU per camera-frame (%.2f s CPU in %.1f s, %.0f %% of a core; zcrecd + %d ingest "
              "processes; rings got %lld of %lld frames)\n",
              a.cpu_us_per_camera_frame, a.cpu_s, a.window_s, a.cpu_percent, a.cameras,
              static_cast<long long>(a.ring_frames_window), static_cast<long long>(a.nominal_frames));
  const double frames = static_cast<double>(std::max<int64_t>(1, a.nominal_frames));
  std::printf("          of which zcrecd itself (recording, API) %.1f µs, its ingest processes (zcrec feed) %.1f µs; "
              "%.2f context switches per camera-frame (zcrecd %.2f, ingest %.2f)\n",
              a.daemon_cpu_s * 1e6 / frames, a.ingest_cpu_s * 1e6 / frames, static_cast<double>(a.context_switches) / frames,
              static_cast<double>(a.daemon_switches) / frames, static_cast<double>(a.ingest_switches) / frames);
  std::printf("lost      %lld frames in zcrecd (target 0): %lld dropped at the cameras, %lld written to rings but "
              "not recorded (%lld written, %lld in %lld segments); %lld gap rows (%lld frames), recordings' "
              "frames_lost %lld, oversized %lld, ingest restarts %lld\n",
              static_cast<long long>(a.frames_lost), static_cast<long long>(a.pacer_dropped),
              static_cast<long long>(std::max<int64_t>(0, a.ring_frames_written - a.frames_recorded)),
              static_cast<long long>(a.ring_frames_written), static_cast<long long>(a.frames_recorded),
              static_cast<long long>(a.segments), static_cast<long long>(a.gap_rows),
              static_cast<long long>(a.gap_frames_lost), static_cast<long long>(a.recording_frames_lost),
              static_cast<long long>(a.ring_frames_dropped), static_cast<long long>(a.ingest_restarts));
  std::printf("events    POST -> 201 p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d posted, %d failed; target p99 <= 20 ms)\n",
              a.event_p50_ms, a.event_p99_ms, a.event_max_ms, a.events_posted, a.events_failed);
}

void run_bench_serve(const BenchServeArgs& a) {
  const fs::path tmp = fs::temp_directory_path();
  ServeOptions o;
  o.source = a.source;
  o.cameras = a.cameras;
  o.seconds = a.seconds;
  o.warmup = a.warmup;
  o.events_per_s = a.events_per_s;
  o.input = a.input.empty() ? cached_input(tmp / "zcrec-bench-serve-input") : fs::path(a.input);
  o.work_dir = a.dir.empty() ? tmp / ("zcrec-bench-serve." + std::to_string(::getpid())) : fs::path(a.dir);
  o.zcrec = fs::read_symlink("/proc/self/exe");
  o.zcrecd = find_zcrecd(a.zcrecd);
  fs::create_directories(o.work_dir);

  if (!a.json)
    std::fprintf(stderr, "bench serve: %d cameras from %s over %s, %d s window after %d s warm-up; run A (zcrecd)...\n",
                 o.cameras, o.input.c_str(), o.source == CameraSource::rtsp ? "RTSP" : "pipes", o.seconds, o.warmup);
  const ServeResult svc = run_zcrecd(o);
  if (!a.json) std::fprintf(stderr, "bench serve: run B (ffmpeg -c copy -f segment per camera)...\n");
  const ServeResult ff = run_ffmpeg(o);
  const double ratio = ff.cpu_us_per_camera_frame > 0 ? svc.cpu_us_per_camera_frame / ff.cpu_us_per_camera_frame : 0;

  nlohmann::json steps = nlohmann::json::array();
  int max_zero_loss = 0;
  if (a.find_max) {
    ServeOptions m = o;
    m.seconds = a.find_max_seconds;
    for (int n : a.steps) {
      m.cameras = n;
      if (!a.json) std::fprintf(stderr, "bench serve: find-max, %d cameras for %d s...\n", n, m.seconds);
      ServeResult s;
      try {
        s = run_zcrecd(m);
      } catch (const std::exception& e) {
        // A step the machine cannot start (not every camera up in time) counts as a loss, not as a failed bench.
        steps.push_back({{"cameras", n}, {"error", e.what()}, {"zero_loss", false}});
        if (!a.json) std::fprintf(stderr, "  %d cameras: %s\n", n, e.what());
        break;
      }
      steps.push_back(to_json(s, true));
      if (!a.json)
        std::fprintf(stderr, "  %d cameras: %lld lost, %.0f %% of a core, %.1f µs/camera-frame, events p99 %.1f ms\n", n,
                     static_cast<long long>(s.frames_lost), s.cpu_percent, s.cpu_us_per_camera_frame, s.event_p99_ms);
      if (!s.zero_loss()) break;
      max_zero_loss = n;
    }
  }
  std::error_code ec;
  fs::remove_all(o.work_dir, ec);

  if (a.json) {
    nlohmann::json j = {{"input", o.input.string()},
                        {"source", o.source == CameraSource::rtsp ? "rtsp" : "pipe"},
                        {"zcrecd", to_json(svc, true)},
                        {"ffmpeg", to_json(ff, false)},
                        {"ratio", ratio}};
    if (a.find_max) j.update({{"find_max", steps}, {"max_cameras_zero_loss", max_zero_loss}});
    std::cout << j.dump() << "\n";
    return;
  }
  std::printf("cameras   %d x 1080p30 ~4 Mb/s, %.1f s window; load average before/after: %s / %s\n", svc.cameras,
              svc.window_s, svc.load_before.c_str(), ff.load_after.c_str());
  print_service(svc);
  std::printf("ffmpeg    %.1f µs CPU per camera-frame (%.2f s CPU in %.1f s, %.0f %% of a core; %d processes; %lld "
              "frames dropped at the cameras; %.1f context switches per camera-frame)\n",
              ff.cpu_us_per_camera_frame, ff.cpu_s, ff.window_s, ff.cpu_percent, ff.cameras,
              static_cast<long long>(ff.pacer_dropped),
              static_cast<double>(ff.context_switches) / static_cast<double>(std::max<int64_t>(1, ff.nominal_frames)));
  std::printf("ratio     %.3f (zcrecd / ffmpeg CPU per camera-frame; target <= 0.5)\n", ratio);
  if (a.find_max) std::printf("max       %d cameras with zero frames lost (target >= 128)\n", max_zero_loss);
}

}  // namespace

// The pre-encoded camera stream, made once and kept: 6 s of 1080p30 testsrc2, libx264 ~4 Mb/s, GOP 1 s.
fs::path cached_input(const fs::path& cache) {
  const fs::path file = cache / "in.h264";
  if (fs::exists(file) && fs::file_size(file) > 0) return file;
  const fs::path tmp = cache / ("making." + std::to_string(::getpid()));
  fs::create_directories(tmp);
  generate_input(tmp, 6);
  fs::rename(tmp / "in.h264", file);  // whole or not at all, for the next run
  fs::remove_all(tmp);
  return file;
}

void add_serve_command(CLI::App& bench) {
  auto a = std::make_shared<BenchServeArgs>();
  auto* cmd = bench.add_subcommand(
      "serve", "CPU per camera-frame of zcrecd recording N real-time cameras against ffmpeg -c copy -f segment per camera");
  cmd->add_option("--cameras", a->cameras, "cameras in the comparison")->check(in_range(1, 512))->capture_default_str();
  cmd->add_option("--seconds", a->seconds, "measured window of each run")->check(in_range(2, 3600))->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "seconds after every camera streams before the window")
      ->check(in_range(0, 600))
      ->capture_default_str();
  cmd->add_option("--events-per-s", a->events_per_s, "event POSTs per second during run A (0: none)")
      ->check(in_range(0.0, 1000.0))
      ->capture_default_str();
  cmd->add_flag("--find-max", a->find_max, "then run zcrecd alone at growing camera counts up to the first loss");
  cmd->add_option("--find-max-seconds", a->find_max_seconds, "window of each --find-max step")
      ->check(in_range(2, 3600))
      ->capture_default_str();
  cmd->add_option("--steps", a->steps, "camera counts --find-max tries, in order")->capture_default_str();
  cmd->add_option("--input", a->input, "Annex-B H.264 camera stream (default: 6 s of 1080p30 ~4 Mb/s, made once)");
  cmd->add_option("--source", a->source,
                  "how the cameras arrive: pipe (a named pipe per camera) or rtsp (zcrec serve over relay rings the "
                  "pacers fill, 8 cameras per ring; zcrecd's RTSP client against ffmpeg's, both over TCP)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, CameraSource>{{"pipe", CameraSource::pipe},
                                                                             {"rtsp", CameraSource::rtsp}}))
      ->capture_default_str();
  cmd->add_option("--dir", a->dir, "work directory (fifos, storage, logs; removed at the end)");
  cmd->add_option("--zcrecd", a->zcrecd, "the zcrecd binary (default: next to zcrec)");
  cmd->add_flag("--json", a->json, "one JSON object on stdout");
  cmd->callback([a] { run_bench_serve(*a); });
}

}  // namespace zc::bench

// The two runs of `bench serve`, each measured the same way: pacers start first (one per camera, not counted),
// then the measured processes; once every camera streams and a warm-up has passed, the CPU of the measured
// processes is read from /proc before and after a window of `seconds`. Frames per camera and second are the
// input's (30), so the CPU per camera-frame of both runs divides by the same count; run A also reports the
// frames its rings really received in the window, and everything lost from the pacer to the catalog.
#include "serve.h"

#include <zc/catalog/catalog.h>
#include <zc/fifo/clock.h>
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <regex>
#include <stdexcept>
#include <thread>

namespace zc::bench {
namespace {

namespace fs = std::filesystem;

// Runs `undo` on scope exit unless it already ran: children must not outlive a failed run.
class OnExit {
 public:
  explicit OnExit(std::function<void()> f) : f_(std::move(f)) {}
  ~OnExit() { run(); }
  OnExit(const OnExit&) = delete;
  OnExit& operator=(const OnExit&) = delete;
  void run() {
    if (f_) std::exchange(f_, nullptr)();
  }

 private:
  std::function<void()> f_;
};

// Whether our child still runs; an ended one is left unreaped (WNOWAIT), so its pid stays ours until stop_child.
bool alive(pid_t pid) {
  siginfo_t si{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0;
}

void fresh_dir(const fs::path& d) {
  fs::remove_all(d);
  fs::create_directories(d);
}

// Sleeps for the window and returns its real length in seconds.
double window(int seconds) {
  const fifo::SystemClock clock;  // the one clock (zc/fifo/clock.h)
  const auto t0 = clock.mono();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  return std::chrono::duration<double>(clock.mono() - t0).count();
}

void finish(ServeResult& r, const ServeOptions& o) {
  r.cameras = o.cameras;
  r.nominal_frames = std::llround(o.cameras * o.fps * r.window_s);
  r.cpu_us_per_camera_frame = r.nominal_frames > 0 ? r.cpu_s * 1e6 / static_cast<double>(r.nominal_frames) : 0;
  r.cpu_percent = r.window_s > 0 ? 100 * r.cpu_s / r.window_s : 0;
}

// --- run A ---

std::string zcrecd_config(const ServeOptions& o, const fs::path& storage, const std::string& prefix,
                          const BenchCameras& cams) {
  std::string y = "storage: {dir: " + storage.string() + ", segment: 60s}\n";
  y += "api: {listen: 127.0.0.1:0}\n";
  y += "ring_prefix: " + prefix + "\n";
  y += "cameras:\n";
  for (int i = 0; i < o.cameras; ++i) {
    y += "  " + camera_name(i) + ":\n";
    y += "    source: " + cams.source(i) + "\n";
    y += "    ring_size: 16M\n";
    // A FIFO camera: zcrec feed reads it as a live source, as fast as it comes, never pacing it again. A short
    // probe (0.5 s instead of libavformat's 5 s for raw H.264) only shortens the start. An RTSP camera needs none
    // (zcrec's own RTSP client takes the stream's parameters from the SDP and the first keyframe).
    if (o.source == CameraSource::pipe) y += "    input_options: [analyzeduration=500000]\n";
    y += "    record: {continuous: true, events: {preroll: 5s, postroll: 5s, max_length: 10m}}\n";
  }
  return y;
}

int wait_listening(const fs::path& out, pid_t pid, std::chrono::seconds timeout) {
  const fifo::SystemClock clock;  // the one clock (zc/fifo/clock.h)
  static const std::regex line(R"(listening on [^ ]+:([0-9]+),)");
  const auto until = clock.mono() + timeout;
  while (clock.mono() < until) {
    std::ifstream in(out);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch m;
    if (std::regex_search(text, m, line)) return std::stoi(m[1].str());
    if (!alive(pid)) throw std::runtime_error("zcrecd exited before listening (see " + out.parent_path().string() + "/zcrecd.err)");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("zcrecd did not report listening");
}

// Every camera streaming into its ring and recording continuously, per GET /api/v1/cameras.
bool all_recording(int port, int cameras) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(2);
  c.set_read_timeout(10);
  const auto r = c.Get("/api/v1/cameras");
  if (!r || r->status != 200) return false;
  const auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j["items"].is_array() || static_cast<int>(j["items"].size()) != cameras) return false;
  for (const auto& cam : j["items"])
    if (cam.value("ingest_state", "") != "streaming" || cam.value("recording_state", "").rfind("continuous", 0) != 0)
      return false;
  return true;
}

struct RingSample {
  std::vector<pid_t> writers;
  int64_t frames_written = 0;
  int64_t frames_dropped = 0;
};

RingSample sample_rings(const std::string& prefix, int cameras) {
  RingSample s;
  for (int i = 0; i < cameras; ++i) {
    try {
      const auto st = fifo::RingReader::inspect(prefix + camera_name(i));
      s.writers.push_back(st.writer_alive ? static_cast<pid_t>(st.writer_pid) : 0);
      s.frames_written += static_cast<int64_t>(st.frames_written);
      s.frames_dropped += static_cast<int64_t>(st.frames_dropped);
    } catch (const fifo::FifoError&) {
      s.writers.push_back(0);
    }
  }
  return s;
}

struct ServiceCpu {
  double daemon_s = 0, ingest_s = 0;
  int64_t daemon_switches = 0, ingest_switches = 0;
};
// zcrecd counts its reaped children too: an ingest restarted in the window is not lost from the sum.
ServiceCpu service_cpu(pid_t zcrecd, const RingSample& rings) {
  ServiceCpu c;
  c.daemon_s = proc_cpu_seconds(zcrecd, true);
  c.daemon_switches = proc_context_switches(zcrecd);
  for (pid_t w : rings.writers) {
    if (w <= 0) continue;
    c.ingest_s += proc_cpu_seconds(w);
    c.ingest_switches += proc_context_switches(w);
  }
  return c;
}

void remove_rings(const std::string& prefix, int cameras) {
  for (int i = 0; i < cameras; ++i) {
    const std::string ring = prefix + camera_name(i);
    try {
      const auto st = fifo::RingReader::inspect(ring);
      if (st.writer_alive && st.writer_pid > 0) ::kill(static_cast<pid_t>(st.writer_pid), SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      fifo::RingWriter::remove(ring);
    } catch (const fifo::FifoError&) {
    }
  }
}

}  // namespace

ServeResult run_zcrecd(const ServeOptions& o) {
  const fifo::SystemClock clock;  // the one clock (zc/fifo/clock.h)
  ServeResult r;
  r.load_before = load_average();
  const fs::path dir = o.work_dir / "zcrecd";
  fresh_dir(dir);
  const fs::path storage = dir / "data";
  const std::string prefix = "zsb" + std::to_string(::getpid()) + "_";
  BenchCameras pacers(o, dir / "cameras");
  const fs::path config = dir / "zcrecd.yaml";
  std::ofstream(config) << zcrecd_config(o, storage, prefix, pacers);

  const pid_t zcrecd = spawn_logged({o.zcrecd.string(), "--config", config.string()}, dir / "zcrecd.out", dir / "zcrecd.err");
  bool zcrecd_reaped = false;  // its pid may belong to someone else afterwards
  OnExit cleanup([&] {
    pacers.stop();
    if (!zcrecd_reaped) stop_child(zcrecd, std::chrono::seconds(30));
    remove_rings(prefix, o.cameras);
  });
  const int port = wait_listening(dir / "zcrecd.out", zcrecd, std::chrono::seconds(30));
  const auto until = clock.mono() + std::chrono::seconds(60 + o.cameras);
  while (!all_recording(port, o.cameras)) {
    if (clock.mono() > until) throw std::runtime_error("not every camera was recording within " + std::to_string(60 + o.cameras) + " s (see " + dir.string() + ")");
    if (!alive(zcrecd)) throw std::runtime_error("zcrecd died (see " + dir.string() + "/zcrecd.err)");
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  std::this_thread::sleep_for(std::chrono::seconds(o.warmup));

  std::vector<std::string> names;
  for (int i = 0; i < o.cameras; ++i) names.push_back(camera_name(i));
  const RingSample before = sample_rings(prefix, o.cameras);
  const ServiceCpu cpu0 = service_cpu(zcrecd, before);
  EventPoster poster("127.0.0.1", port, names, o.events_per_s);
  r.window_s = window(o.seconds);
  const RingSample after = sample_rings(prefix, o.cameras);
  const ServiceCpu cpu1 = service_cpu(zcrecd, after);
  r.daemon_cpu_s = cpu1.daemon_s - cpu0.daemon_s;
  r.ingest_cpu_s = cpu1.ingest_s - cpu0.ingest_s;
  r.cpu_s = r.daemon_cpu_s + r.ingest_cpu_s;
  r.daemon_switches = cpu1.daemon_switches - cpu0.daemon_switches;
  r.ingest_switches = cpu1.ingest_switches - cpu0.ingest_switches;
  r.context_switches = r.daemon_switches + r.ingest_switches;
  const EventLatencies lat = poster.stop();
  if (!alive(zcrecd)) throw std::runtime_error("zcrecd died during the run (see " + dir.string() + "/zcrecd.err)");
  r.ring_frames_window = after.frames_written - before.frames_written;
  for (size_t i = 0; i < after.writers.size(); ++i)
    if (after.writers[i] != before.writers[i]) ++r.ingest_restarts;

  // The cameras stop; once their rings hold no more news, zcrecd ends its recordings (the last fragment is
  // written) and everything in the rings must be in the catalog.
  pacers.stop(&r);
  int64_t last = -1;
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const int64_t now = sample_rings(prefix, o.cameras).frames_written;
    if (now == last) break;
    last = now;
  }
  const RingSample final_rings = sample_rings(prefix, o.cameras);
  r.ring_frames_written = final_rings.frames_written;
  r.ring_frames_dropped = final_rings.frames_dropped;
  ::kill(zcrecd, SIGTERM);
  zcrecd_reaped = reap_within(zcrecd, std::chrono::seconds(60));
  if (!zcrecd_reaped) throw std::runtime_error("zcrecd did not stop within 60 s of SIGTERM");
  cleanup.run();

  const auto cat = catalog::Catalog::open_existing(storage, catalog::Catalog::Access::read_only);
  for (const auto& name : names) {
    for (const auto& s : cat.segments(prefix + name)) {
      r.frames_recorded += s.frames;
      ++r.segments;
    }
    for (const auto& g : cat.gaps(prefix + name)) {
      r.gap_frames_lost += g.frames_lost;
      ++r.gap_rows;
    }
    for (const auto& rec : cat.recordings(prefix + name)) r.recording_frames_lost += rec.frames_lost;
  }
  r.frames_lost = r.pacer_dropped + std::max<int64_t>(0, r.ring_frames_written - r.frames_recorded);
  r.events_posted = static_cast<int>(lat.ms.size());
  r.events_failed = lat.failed;
  if (!lat.ms.empty()) {
    auto ms = lat.ms;
    std::sort(ms.begin(), ms.end());
    auto q = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))]; };
    r.event_p50_ms = q(0.50);
    r.event_p99_ms = q(0.99);
    r.event_max_ms = ms.back();
  }
  fs::remove_all(storage);  // a few GB at 64 cameras; the logs stay
  r.load_after = load_average();
  finish(r, o);
  return r;
}

ServeResult run_ffmpeg(const ServeOptions& o) {
  const fifo::SystemClock clock;  // the one clock (zc/fifo/clock.h)
  ServeResult r;
  r.load_before = load_average();
  const fs::path dir = o.work_dir / "ffmpeg";
  fresh_dir(dir);
  BenchCameras pacers(o, dir / "cameras");
  std::vector<pid_t> ffmpeg;
  OnExit cleanup([&] {
    pacers.stop();
    for (pid_t p : ffmpeg) stop_child(p, std::chrono::seconds(10));
  });
  std::vector<fs::path> first_segment;
  for (int i = 0; i < o.cameras; ++i) {
    const fs::path out = dir / "out" / camera_name(i);
    fs::create_directories(out);
    first_segment.push_back(out / "out000.mp4");
    std::vector<std::string> argv{"ffmpeg", "-nostdin", "-v", "error"};
    for (auto& a : pacers.ffmpeg_input(i)) argv.push_back(std::move(a));
    for (const char* a : {"-c", "copy", "-f", "segment", "-segment_time", "60", "-reset_timestamps", "1"}) argv.push_back(a);
    argv.push_back((out / "out%03d.mp4").string());
    ffmpeg.push_back(spawn_logged(argv, dir / (camera_name(i) + ".ffmpeg.out"), dir / (camera_name(i) + ".ffmpeg.err")));
  }
  // Streaming once each has its first segment open (after probing the input).
  const auto until = clock.mono() + std::chrono::seconds(60 + o.cameras);
  while (!std::all_of(first_segment.begin(), first_segment.end(), [](const fs::path& p) { return fs::exists(p); })) {
    if (clock.mono() > until) throw std::runtime_error("not every ffmpeg was writing within " + std::to_string(60 + o.cameras) + " s (see " + dir.string() + ")");
    for (pid_t p : ffmpeg)
      if (!alive(p)) throw std::runtime_error("an ffmpeg exited early (see " + dir.string() + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  std::this_thread::sleep_for(std::chrono::seconds(o.warmup));
  auto cpu = [&] {
    double s = 0;
    for (pid_t p : ffmpeg) s += proc_cpu_seconds(p);
    return s;
  };
  auto switches = [&] {
    int64_t n = 0;
    for (pid_t p : ffmpeg) n += proc_context_switches(p);
    return n;
  };
  const double cpu0 = cpu();
  const int64_t sw0 = switches();
  r.window_s = window(o.seconds);
  r.cpu_s = cpu() - cpu0;
  r.context_switches = switches() - sw0;
  for (pid_t p : ffmpeg)
    if (!alive(p)) throw std::runtime_error("an ffmpeg exited during the run (see " + dir.string() + ")");
  // End of input: each ffmpeg closes its last segment and exits (a pipe's EOF; an RTSP server that goes away is
  // noticed later, so those are told to end as well).
  pacers.stop(&r);
  if (o.source == CameraSource::rtsp)
    for (pid_t p : ffmpeg) ::kill(p, SIGTERM);
  for (pid_t p : ffmpeg)
    if (!reap_within(p, std::chrono::seconds(30))) stop_child(p, std::chrono::seconds(5));
  ffmpeg.clear();
  cleanup.run();
  r.frames_lost = r.pacer_dropped;
  fs::remove_all(dir / "out");
  r.load_after = load_average();
  finish(r, o);
  return r;
}

}  // namespace zc::bench

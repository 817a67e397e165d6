// `zcrec bench serve`: zcrecd recording N real-time cameras against the ffmpeg command peers run per camera, in
// the same run, plus the event API's latency under that load. Every camera is fed by a pacer process (`zcrec
// bench pace`, not counted) that writes one pre-encoded Annex-B stream into a named pipe in real time.
#pragma once

#include <sys/types.h>

#include <zc/fifo/clock.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace zc::bench {

// --- child processes (serve_process.cpp) ---

// Starts argv (argv[0] looked up in PATH) with stdin from /dev/null and stdout/stderr appended to the files.
// Throws std::runtime_error when it cannot start.
pid_t spawn_logged(const std::vector<std::string>& argv, const std::filesystem::path& out,
                   const std::filesystem::path& err);
// Waits up to `timeout` for our child to end; true once it has been reaped.
bool reap_within(pid_t pid, std::chrono::milliseconds timeout);
// SIGTERM, then SIGKILL after `grace`; reaps it.
void stop_child(pid_t pid, std::chrono::milliseconds grace);
// User + system CPU seconds of a process so far, every thread (exited ones included): its process CPU clock, in
// nanoseconds. with_children adds what its reaped children used, which only /proc/PID/stat has (cutime + cstime,
// the whole figure then in clock ticks of 10 ms). 0 when the process is gone. Ticks were too coarse for a
// process's share of a 15 s window: ~50 µs a frame is ~2 ticks, and figures jumped by ±50 % between rounds.
double proc_cpu_seconds(pid_t pid, bool with_children = false);
// Context switches of all of a process's threads so far (voluntary + involuntary, /proc/PID/task/*/status): each
// sleep and wakeup is one, so per frame they show how often a pipeline hands a frame between sleepers.
int64_t proc_context_switches(pid_t pid);
// /proc/loadavg's first three fields.
std::string load_average();

// --- the cameras' stream (cmd_bench_serve.cpp) ---

// The pre-encoded camera stream of `bench serve` and `bench rtsp`, made once into `cache` and kept: 6 s of
// 1080p30 testsrc2, libx264 ~4 Mb/s, GOP 1 s, 2 B-frames, Annex-B.
std::filesystem::path cached_input(const std::filesystem::path& cache);

// --- the pacer (serve_pacer.cpp): `zcrec bench pace FILE FIFO` ---

// What a pacer printed when it ended (one JSON line on its stdout).
struct PacerReport {
  int64_t frames = 0;        // access units written whole
  int64_t dropped = 0;       // skipped because the reader fell more than a second behind (a live camera's loss)
  int64_t reopens = 0;       // the reader closed the pipe and a new one opened it
  double max_late_ms = 0;    // the latest a frame went out after its due time
  bool read = false;         // the report was found
};
PacerReport read_pacer_report(const std::filesystem::path& stdout_file);

// --- one measured run (serve_runs.cpp) ---

std::string camera_name(int i);  // c000, c001, ...

// How the cameras reach the measured processes: `pipe`, a named pipe per camera written by a pacer; `rtsp`, an
// RTSP server (`zcrec serve`, gst-rtsp-server) offering a few relay rings that pacers fill, each camera one of its
// clients (zcrecd through its own RTSP client, ffmpeg through libavformat's, both over TCP).
enum class CameraSource { pipe, rtsp };

struct ServeOptions {
  CameraSource source = CameraSource::pipe;
  int cameras = 8;
  int seconds = 60;         // measured window (steady state, after all cameras stream)
  int warmup = 5;           // seconds between "all streaming" and the window
  double events_per_s = 5;  // run A only; 0 = none
  std::filesystem::path input;      // the pre-encoded 1080p30 Annex-B stream
  std::filesystem::path work_dir;   // fifos, storage, logs of this run (emptied first)
  std::filesystem::path zcrec;      // this binary (pacers; zcrecd's ingest runs the one next to zcrecd)
  std::filesystem::path zcrecd;
  double fps = 30;
};

struct ServeResult {
  int cameras = 0;
  double window_s = 0;
  double cpu_s = 0;              // in the window: the measured processes' user + system CPU
  int64_t nominal_frames = 0;    // cameras x fps x window
  double cpu_us_per_camera_frame = 0;
  double cpu_percent = 0;        // of one core
  int64_t pacer_frames = 0, pacer_dropped = 0;
  double pacer_max_late_ms = 0;
  int64_t pacer_reopens = 0;
  int64_t context_switches = 0;  // in the window, all threads of the measured processes
  // run A only
  double daemon_cpu_s = 0;          // of cpu_s: zcrecd itself (recorders, API, catalog)
  double ingest_cpu_s = 0;          // of cpu_s: its `zcrec feed` processes (demux, ring writes)
  int64_t daemon_switches = 0;      // of context_switches: zcrecd's threads
  int64_t ingest_switches = 0;      // of context_switches: the ingest processes' threads
  int64_t ring_frames_window = 0;   // frames the ingest processes wrote into the rings in the window
  int64_t ring_frames_written = 0;  // whole run, all rings
  int64_t frames_recorded = 0;      // sum of segment frames in the catalog
  int64_t segments = 0;
  int64_t gap_frames_lost = 0;      // catalog gap rows
  int64_t gap_rows = 0;
  int64_t recording_frames_lost = 0;  // recordings.frames_lost
  int64_t ring_frames_dropped = 0;    // oversized frames the ingest dropped
  int64_t ingest_restarts = 0;        // a ring's writer pid changed during the window
  int64_t frames_lost = 0;  // pacer drops + frames written to rings but not recorded (covers gaps)
  int events_posted = 0, events_failed = 0;
  double event_p50_ms = 0, event_p99_ms = 0, event_max_ms = 0;
  std::string load_before, load_after;
  bool zero_loss() const {
    return frames_lost == 0 && gap_rows == 0 && recording_frames_lost == 0 && ring_frames_dropped == 0 &&
           pacer_dropped == 0;
  }
};

// The cameras of one run (serve_cameras.cpp), started first and not measured. With `rtsp`, the pacers write
// into named pipes, a `zcrec feed` per pipe into a relay ring, and one `zcrec serve` offers the rings; every 8
// cameras share a ring (its clients each start at its newest keyframe), and the rings' pacers are phased so
// that the cameras' keyframes spread over a second, as unsynchronised cameras' would.
class BenchCameras {
 public:
  BenchCameras(const ServeOptions& o, const std::filesystem::path& dir);  // throws std::runtime_error
  ~BenchCameras();
  BenchCameras(const BenchCameras&) = delete;
  BenchCameras& operator=(const BenchCameras&) = delete;

  std::string source(int camera) const;                    // zcrecd's `source:` for the camera
  std::vector<std::string> ffmpeg_input(int camera) const;  // ffmpeg's input arguments, ending with -i INPUT
  // Stops the cameras; the pacers' reports are added to r.
  void stop(ServeResult* r = nullptr);

 private:
  std::filesystem::path dir_;
  CameraSource source_;
  std::vector<std::filesystem::path> fifos_;
  std::vector<pid_t> pacers_, relays_;  // relays: the feeds into the relay rings, then `zcrec serve`
  std::vector<std::string> urls_;       // rtsp: one per relay ring
};

// Run A: zcrecd with N continuous cameras, each fed through its fifo; CPU of zcrecd and its ingest children.
ServeResult run_zcrecd(const ServeOptions& o);
// Run B: per camera `ffmpeg -f h264 -i FIFO` (or `-rtsp_transport tcp -i URL`) `-c copy -f segment -segment_time 60
// -reset_timestamps 1 out%03d.mp4` fed the same way; CPU of the ffmpeg processes.
ServeResult run_ffmpeg(const ServeOptions& o);

// --- event API load (serve_events.cpp) ---

struct EventLatencies {
  std::vector<double> ms;  // POST -> 201, each request on a new connection
  int failed = 0;          // no answer, or not 201
};

// Posts {"duration": 1} to POST /api/v1/cameras/{name}/events of a random camera, `per_s` times a second on
// average (exponential gaps, so requests do not lock step with the cameras' frames), from its own thread.
class EventPoster {
 public:
  EventPoster(std::string host, int port, std::vector<std::string> cameras, double per_s);
  ~EventPoster();
  EventPoster(const EventPoster&) = delete;
  EventPoster& operator=(const EventPoster&) = delete;
  EventLatencies stop();  // joins the thread

 private:
  void loop(const std::stop_token& stop);

  const fifo::SystemClock clock_;  // the poster's one clock: the gaps between events and each request's latency
  std::string host_;
  int port_;
  std::vector<std::string> cameras_;
  double per_s_;
  EventLatencies result_;
  std::jthread thread_;
};

}  // namespace zc::bench

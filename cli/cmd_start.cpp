// `zcrec start NAME`: record a live ring with pre-roll into MP4 segments + catalog. Without --duration it
// records until SIGINT/SIGTERM and then the post-roll; SIGUSR1 re-triggers (extends the recording). A feeder
// that dies or restarts is waited for up to --writer-grace.
#include "commands.h"
#include "record_cli.h"
#include "record_json.h"
#include "stop_signals.h"

#include <zc/fifo/clock.h>
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/recorder/error.h>
#include <zc/recorder/recorder.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

namespace zc::cli {
namespace {

struct StartArgs {
  std::string stream;
  std::string dir;
  std::optional<int64_t> preroll, postroll, duration, max_length, segment, quota, max_age, min_free, writer_grace;
  bool json = false;
  bool fsync_fragments = false;
  double wait_seconds = 0;
};

// Waits up to `wait` for the ring to appear with its tracks (a network camera's ring exists before the camera
// answered), in short slices so that SIGINT/SIGTERM end the wait at once (the recorder's own wait could not see
// them: they are blocked and routed to `signals`). False when stopped.
bool wait_for_ring(const std::string& stream, std::chrono::milliseconds wait, StopSignals& signals,
                   const fifo::Clock& clock) {
  const int64_t deadline = clock.mono_ns() + std::chrono::nanoseconds(wait).count();
  for (;;) {
    try {
      if (!fifo::RingReader::inspect(stream).info.tracks.empty() || clock.mono_ns() >= deadline)
        return true;
    } catch (const fifo::FifoError& e) {
      if (e.code() != fifo::FifoErrc::not_found || clock.mono_ns() >= deadline) return true;
    }
    if (!signals.sleep_for(std::chrono::milliseconds(100))) return false;
  }
}

void run_start(const StartArgs& a) {
  recorder::RecorderOptions o;
  o.stream = a.stream;
  o.dir = a.dir;
  if (a.preroll) o.timing.preroll_ns = *a.preroll;
  if (a.postroll) o.timing.postroll_ns = *a.postroll;
  o.timing.duration_ns = a.duration;
  if (a.max_length) {
    if (*a.max_length == 0) throw CLI::ValidationError("--max-length", "must be greater than zero");
    o.timing.max_length_ns = a.max_length;
  }
  if (a.segment) {
    if (*a.segment == 0) throw CLI::ValidationError("--segment", "must be greater than zero");
    o.segment_ns = *a.segment;
  }
  o.retention.quota_bytes = a.quota;
  o.retention.max_age_ns = a.max_age;
  o.retention.min_free_bytes = a.min_free;
  o.fsync_fragments = a.fsync_fragments;
  if (a.writer_grace) o.writer_grace_ns = *a.writer_grace;
  o.wait_for_stream = std::chrono::milliseconds(static_cast<int64_t>(a.wait_seconds * 1000));
  const bool json = a.json;
  o.on_warning = [json](const std::string& w) {
    if (json) std::cout << nlohmann::json{{"event", "warning"}, {"message", w}}.dump() << std::endl;
    else std::fprintf(stderr, "zcrec start: %s\n", w.c_str());
  };

  StopSignals signals({SIGUSR1});
  const fifo::SystemClock clock;  // the command's one clock: the wait for the ring, the recording's times
  // The recorder reports a ring that is still missing after the wait (or one in the middle of being created).
  if (!wait_for_ring(o.stream, o.wait_for_stream, signals, clock)) return;
  o.wait_for_stream = std::min(o.wait_for_stream, std::chrono::milliseconds(200));
  auto rec = recorder::Recorder::start(o, clock);
  const auto& s0 = rec.summary();
  if (json) {
    std::cout << nlohmann::json{{"event", "started"},
                                {"recording_id", s0.recording_id},
                                {"stream", s0.stream},
                                {"trigger_wall_ns", s0.trigger_wall_ns},
                                {"preroll_requested_ns", s0.preroll_requested_ns},
                                {"pid", ::getpid()}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "recording " << s0.recording_id << " of " << s0.stream << " started (trigger "
              << record::format_wall(s0.trigger_wall_ns) << ", pre-roll " << record::format_seconds(s0.preroll_requested_ns)
              << " requested)" << std::endl;
  }
  while (rec.poll(std::chrono::milliseconds(100))) {
    for (int sig = signals.next(); sig != 0; sig = signals.next()) {
      if (sig == SIGUSR1) rec.trigger();
      else rec.stop();
    }
  }
  const auto& s = rec.summary();
  if (json) {
    auto j = record::to_json(s);
    j["event"] = "finished";
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << "recording " << s.recording_id << " finished (" << recorder::to_string(s.end_reason) << "): "
              << s.segments << " segment(s), " << s.frames << " frames, " << s.bytes << " bytes, pre-roll "
              << record::format_seconds(s.preroll_achieved_ns) << " achieved, " << s.frames_lost << " frames lost"
              << std::endl;
    for (const auto& p : s.segment_paths) std::cout << "  " << p << "\n";
  }
}

}  // namespace

void add_start_command(CLI::App& app) {
  auto args = std::make_shared<StartArgs>();
  auto* cmd = app.add_subcommand("start", "Record a live ring with pre-roll into MP4 segments indexed in the catalog");
  cmd->add_option("name", args->stream, "Stream (ring) name")->required();
  cmd->footer(
      "Without --duration, records until SIGINT/SIGTERM, then for the post-roll. SIGUSR1 re-triggers.\n"
      "Durations take units: 500ms, 5s, 2m, 1h. Sizes: 512M, 10G.");
  record::add_duration_option(cmd, "--preroll", args->preroll, "History before the trigger to include (default 5s)");
  record::add_duration_option(cmd, "--postroll", args->postroll, "Recording after the stop (default 5s)");
  record::add_duration_option(cmd, "--duration", args->duration, "Stop by itself this long after the trigger");
  record::add_duration_option(cmd, "--max-length", args->max_length, "Hard cap on the whole recording");
  record::add_duration_option(cmd, "--segment", args->segment, "Segment length; cut at the next keyframe (default 60s)");
  record::add_duration_option(cmd, "--writer-grace", args->writer_grace,
                              "How long to wait for a new writer when the ring's writer dies or restarts; the restart "
                              "becomes a gap, and a new segment if the parameters or the timeline changed (default "
                              "30s; 0 ends the recording at once)");
  record::add_size_option(cmd, "--quota", args->quota, "Per-stream byte quota applied while recording");
  record::add_duration_option(cmd, "--max-age", args->max_age, "Delete segments older than this while recording");
  record::add_size_option(cmd, "--min-free", args->min_free, "Keep this much free space in the storage directory");
  record::add_dir_option(cmd, args->dir);
  cmd->add_flag("--json", args->json, "One JSON object per line: started, warning, finished");
  cmd->add_flag("--fsync-fragments", args->fsync_fragments, "fdatasync every fragment (survives power loss)");
  cmd->add_option("--wait", args->wait_seconds, "Seconds to wait for the ring to appear")->check(CLI::NonNegativeNumber);
  cmd->callback([args] { run_start(*args); });
}

}  // namespace zc::cli

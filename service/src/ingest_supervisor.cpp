#include "ingest_supervisor.h"

#include <zc/ingest/source_kind.h>

#include <algorithm>
#include <chrono>

namespace zc::service {

namespace {

using namespace std::chrono_literals;

// Ingest restarts: 0.5, 1, 2, 4, 8 s, then every 10 s; reset once a process has run for 30 s.
constexpr std::chrono::milliseconds kBackoff[] = {500ms, 1000ms, 2000ms, 4000ms, 8000ms, 10000ms};
constexpr auto kHealthyRun = 30s;

// The camera's ingest state from what its ingest process reports on its source.
IngestState ingest_state_of(const fifo::SourceStatus& s) {
  switch (s.state) {
    case fifo::SourceState::streaming: return IngestState::streaming;
    case fifo::SourceState::waiting_to_retry: return IngestState::reconnecting;
    case fifo::SourceState::connecting:
      // An attempt after a failure or a lost connection is a reconnect; only the very first one is not.
      return s.connections == 0 && s.failed_attempts == 0 ? IngestState::connecting : IngestState::reconnecting;
    case fifo::SourceState::ended:
    case fifo::SourceState::unknown: break;
  }
  return IngestState::streaming;  // a file or testsrc (streaming), or a writer that says nothing of its source
}

}  // namespace

ingest::IngestSpec ingest_spec(const std::filesystem::path& zcrec, const CameraConfig& c, const std::string& ring) {
  ingest::IngestSpec s;
  s.zcrec = zcrec.string();
  s.ring = ring;
  s.ring_size_bytes = c.ring_size_bytes;
  const ingest::SourceChoice choice = ingest::classify_source(c.source);
  switch (choice.kind) {
    case ingest::SourceKind::synthetic_camera:
      s.source = c.source;
      s.testsrc.size = c.testsrc.size;
      s.testsrc.fps = c.testsrc.fps;
      s.testsrc.gop_ms = c.testsrc.gop_ms;
      s.testsrc.codec = c.testsrc.codec;
      s.testsrc.bitrate_bps = c.testsrc.bitrate_bps;
      s.testsrc.audio = c.testsrc.audio;
      return s;
    case ingest::SourceKind::network_camera: {
      auto split = ingest::split_password(c.source);
      s.source = std::move(split.url);
      s.password = std::move(split.password);
      if (choice.is_rtsp()) s.rtsp_transport = c.rtsp_transport;
      break;
    }
    case ingest::SourceKind::file:
      s.source = c.source;
      s.loop = choice.scheme.empty();  // a path, as before: a file:// URL was never looped
      break;
    case ingest::SourceKind::live_path:
      s.source = c.source;
      s.loop = true;
      break;
  }
  s.input_options = c.input_options;
  return s;
}

IngestSupervisor::IngestSupervisor(ingest::IngestSpec spec, std::filesystem::path pid_file, std::string camera_name,
                                   const Logger& log, const fifo::Clock& clock, StatusUpdate update)
    : spec_(std::move(spec)),
      pid_file_(std::move(pid_file)),
      name_(std::move(camera_name)),
      log_(log),
      clock_(clock),
      update_(std::move(update)) {
  thread_ = std::thread([this] { loop(); });
}

IngestSupervisor::~IngestSupervisor() { stop(); }

void IngestSupervisor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void IngestSupervisor::sample_ring(RingSampler& sampler) {
  const auto sample = sampler.sample();
  if (!sample) return;
  update_([&](CameraStatus& status) {
    const fifo::RingStatus& r = sample->ring;
    if (sample->fps) status.fps = *sample->fps;
    if (sample->bitrate_bps) status.bitrate_bps = *sample->bitrate_bps;
    status.frames_in = static_cast<int64_t>(r.frames_written);
    status.bytes_in = static_cast<int64_t>(r.payload_bytes_written);
    status.ring_history_s = r.newest_mono_ns > r.oldest_mono_ns ? (r.newest_mono_ns - r.oldest_mono_ns) / 1e9 : 0;
    if (r.source && r.writer_alive) {
      // Attempts after the first (refused or failed ones too), plus the ingest process's restarts.
      const auto attempts = static_cast<int64_t>(r.source->connections + r.source->failed_attempts);
      status.reconnects = std::max<int64_t>(0, attempts - 1) + status.ingest_restarts;
      if (!r.source->last_error.empty()) status.last_error = r.source->last_error;
      status.ingest_state = ingest_state_of(*r.source);
    } else if (r.writer_alive) {
      status.ingest_state = IngestState::streaming;
    }
  });
}

void IngestSupervisor::loop() {
  IngestChild child(spec_, pid_file_);
  size_t failures = 0;
  RingSampler sampler(spec_.ring, clock_);
  const auto stopping = [this] {
    std::lock_guard lock(mutex_);
    return stopping_;
  };
  while (!stopping()) {
    const int64_t started_at_ns = clock_.mono_ns();
    try {
      const auto how = child.start();
      log_.info("camera " + name_ + ": ingest " +
                (how == IngestChild::Start::adopted ? "adopted (pid " : "started (pid ") + std::to_string(child.pid()) +
                ")");
    } catch (const std::exception& e) {
      update_([&](CameraStatus& status) {
        status.ingest_state = IngestState::restarting;
        status.last_error = e.what();
      });
    }
    std::optional<std::string> ended;
    while (child.running() && !stopping()) {
      ended = child.wait_exit(1000ms);
      sample_ring(sampler);
      if (ended) break;
    }
    if (stopping()) break;
    if (clock_.mono_ns() - started_at_ns > std::chrono::nanoseconds(kHealthyRun).count()) failures = 0;
    const auto wait = kBackoff[std::min(failures, std::size(kBackoff) - 1)];
    ++failures;
    update_([&](CameraStatus& status) {
      status.ingest_state = IngestState::restarting;
      ++status.ingest_restarts;
      if (ended) status.last_error = "ingest process ended (" + *ended + ")";
    });
    log_.warning("camera " + name_ + ": ingest " + (ended ? "ended (" + *ended + ")" : "did not start") +
                 "; restarting in " + std::to_string(wait.count()) + " ms");
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, wait, [this] { return stopping_; });
  }
  child.stop();
  update_([](CameraStatus& status) { status.ingest_state = IngestState::stopped; });
}

}  // namespace zc::service

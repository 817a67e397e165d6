#include "push_ingest.h"

#include <chrono>

namespace zc::service {

PushIngest::PushIngest(std::string ring, const fifo::Clock& clock, IngestSupervisor::StatusUpdate update)
    : ring_(std::move(ring)), clock_(clock), update_(std::move(update)) {
  update_([](CameraStatus& s) { s.ingest_state = IngestState::waiting_for_pusher; });
  thread_ = std::thread([this] { loop(); });
}

PushIngest::~PushIngest() { stop(); }

void PushIngest::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PushIngest::loop() {
  RingSampler sampler(ring_, clock_);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const auto sample = sampler.sample();
    update_([&](CameraStatus& status) {
      // No ring yet (never pushed into), a ring whose writer is gone (a previous daemon's), or the server's
      // writer between pushers: all wait for a pusher.
      status.ingest_state = IngestState::waiting_for_pusher;
      if (!sample) return;
      const fifo::RingStatus& r = sample->ring;
      if (sample->fps) status.fps = *sample->fps;
      if (sample->bitrate_bps) status.bitrate_bps = *sample->bitrate_bps;
      status.frames_in = static_cast<int64_t>(r.frames_written);
      status.bytes_in = static_cast<int64_t>(r.payload_bytes_written);
      status.ring_history_s = r.newest_mono_ns > r.oldest_mono_ns ? (r.newest_mono_ns - r.oldest_mono_ns) / 1e9 : 0;
      if (!r.writer_alive || !r.source) return;
      // Pushes after the first one: each is a reconnect of the camera.
      status.reconnects = static_cast<int64_t>(r.source->reconnects);
      if (r.source->state == fifo::SourceState::streaming) status.ingest_state = IngestState::streaming;
    });
    lock.lock();
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
  }
  lock.unlock();
  update_([](CameraStatus& s) { s.ingest_state = IngestState::stopped; });
}

}  // namespace zc::service

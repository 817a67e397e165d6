#include "push_target.h"

#include <zc/fifo/error.h>

#include <algorithm>

namespace zc::serve {

std::optional<std::string> PushTarget::refusal() {
  std::lock_guard l(mu_);
  if (retired_) return "the path is no longer served";
  if (owner_) return "another pusher is live on it (one at a time)";
  if (!writer_) {
    try {
      fifo::RingOptions o;
      o.data_bytes = ring_bytes_;
      writer_.emplace(fifo::RingWriter::open(ring_, o));
    } catch (const fifo::FifoError& e) {
      return "cannot write its ring " + ring_ + ": " + e.what();
    }
    publish_locked(false);
  }
  return std::nullopt;
}

bool PushTarget::claim(const void* owner) {
  std::lock_guard l(mu_);
  if (retired_ || owner_ || !writer_) return false;
  owner_ = owner;
  ++pushes_;
  return true;
}

bool PushTarget::is_pusher(const void* owner) const {
  std::lock_guard l(mu_);
  return owner && owner_ == owner;
}

void PushTarget::release(const void* owner, int64_t last_dts_ns, int64_t step_ns) {
  std::lock_guard l(mu_);
  if (owner_ != owner) return;
  owner_ = nullptr;
  resume_ns_ = std::max(resume_ns_, last_dts_ns + step_ns);
  if (writer_) publish_locked(false);
}

void PushTarget::retire() {
  std::lock_guard l(mu_);
  retired_ = true;
  writer_.reset();
}

void PushTarget::publish_locked(bool streaming) {
  if (!writer_) return;
  fifo::SourceStatus s;
  s.url = "RTSP push to /" + path_;
  s.state = streaming ? fifo::SourceState::streaming : fifo::SourceState::connecting;
  s.clock = fifo::ClockSource::arrival;
  s.connections = pushes_;
  s.reconnects = pushes_ > 0 ? pushes_ - 1 : 0;
  s.packets_lost = packets_lost_;
  s.frames_dropped = frames_in_dropped_;
  if (!streaming) s.last_error = "waiting for a pusher";
  writer_->publish_source(s);
}

PushTarget::Stats PushTarget::stats() const {
  std::lock_guard l(mu_);
  return {owner_ != nullptr, pushes_, refused_, frames_in_, bytes_in_, frames_in_dropped_};
}

}  // namespace zc::serve

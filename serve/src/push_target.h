// The ring side of a push mount: who pushes now (one pusher at a time), the ring's writer (opened by the first push,
// kept across pushes so that the next pusher continues the same ring), where the next push's timeline starts, and
// the counters. Shared by the mount, the auth check and the push sessions; every member is guarded by one mutex,
// which the sessions also hold while they write (a pusher's tracks arrive on one streaming thread each).
#pragma once

#include <zc/fifo/ring_writer.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace zc::serve {

class PushTarget {
 public:
  PushTarget(std::string ring, std::string path, uint64_t ring_bytes)
      : ring_(std::move(ring)), path_(std::move(path)), ring_bytes_(ring_bytes) {}

  const std::string& ring() const noexcept { return ring_; }

  // Why a new pusher cannot come in now (someone pushes, the ring has another live writer, the mount was
  // removed), or nullopt; opens the ring's writer if it is not open yet. Nothing is taken.
  std::optional<std::string> refusal();
  // Takes the mount for the RTSP connection `owner` (its ANNOUNCE). False when another pusher holds it.
  bool claim(const void* owner);
  bool is_pusher(const void* owner) const;
  // The pusher left: the next frame written is a discontinuity, its timeline continues after `last_dts_ns` plus
  // one frame step (`step_ns`).
  void release(const void* owner, int64_t last_dts_ns, int64_t step_ns);
  // The mount is no longer served: nothing is written any more and the writer is closed.
  void retire();

  // For the session that holds the claim, under lock(): the writer (nullptr once retired), the ns where this
  // push's timeline starts, and the counters.
  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mu_); }
  fifo::RingWriter* writer_locked() { return writer_ ? &*writer_ : nullptr; }
  int64_t resume_ns_locked() const noexcept { return resume_ns_; }
  void publish_locked(bool streaming);
  void count_written_locked(uint64_t bytes) noexcept {
    ++frames_in_;
    bytes_in_ += bytes;
  }
  void count_dropped_locked(uint64_t frames) noexcept { frames_in_dropped_ += frames; }
  void count_refused() {
    std::lock_guard l(mu_);
    ++refused_;
  }
  void count_lost_locked(uint64_t packets) noexcept { packets_lost_ += packets; }

  struct Stats {
    bool pushing = false;
    uint64_t pushes = 0, refused = 0, frames_in = 0, bytes_in = 0, frames_in_dropped = 0;
  };
  Stats stats() const;

 private:
  const std::string ring_, path_;
  const uint64_t ring_bytes_;
  mutable std::mutex mu_;
  std::optional<fifo::RingWriter> writer_;
  const void* owner_ = nullptr;
  bool retired_ = false;
  int64_t resume_ns_ = 0;
  uint64_t pushes_ = 0, refused_ = 0, frames_in_ = 0, bytes_in_ = 0, frames_in_dropped_ = 0, packets_lost_ = 0;
};

}  // namespace zc::serve

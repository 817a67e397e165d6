// How long a ring has been without a writer, judged against the grace period a recording waits for a new one.
// Feeder processes on NVR boxes crash and are restarted; the ring survives them, so a recording should too, but
// not forever. Times come from the recorder's injected monotonic clock; no I/O here.
#pragma once

#include <cstdint>
#include <optional>

namespace zc::recorder {

class WriterAbsence {
 public:
  // grace_ns 0: no waiting at all (a recording ends as soon as its writer is gone).
  explicit WriterAbsence(int64_t grace_ns) : grace_ns_(grace_ns) {}

  // The ring reported no writer at now_mono_ns. True while the recording should keep waiting for a new one.
  bool within_grace(int64_t now_mono_ns) {
    if (!since_) since_ = now_mono_ns;
    return grace_ns_ > 0 && now_mono_ns - *since_ < grace_ns_;
  }
  // A writer is there again; returns how long it had been away when it was (else nullopt).
  std::optional<int64_t> writer_seen(int64_t now_mono_ns) {
    if (!since_) return std::nullopt;
    const int64_t away = now_mono_ns - *since_;
    since_.reset();
    return away;
  }
  bool absent() const noexcept { return since_.has_value(); }
  int64_t grace_ns() const noexcept { return grace_ns_; }

 private:
  int64_t grace_ns_;
  std::optional<int64_t> since_;  // when the writer was first found gone
};

}  // namespace zc::recorder

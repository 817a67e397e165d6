// How long a ring has been without a writer, judged against the grace period a reader (the recorder, `zcrec
// cat`) waits for a new one. Feeder processes on NVR boxes crash and are restarted; the ring survives them, so
// its readers should too, but not forever. Times (ns, CLOCK_MONOTONIC or an injected clock) come from the
// caller; no I/O here.
#pragma once

#include <cstdint>
#include <optional>

namespace zc::fifo {

class WriterAbsence {
 public:
  // The default grace of every reader that waits (the recorder, `zcrec cat`): a camera process restarted by its
  // supervisor comes back within seconds; one that has not after this long is not coming back by itself.
  static constexpr int64_t kDefaultGraceNs = 30'000'000'000;

  // grace_ns 0: no waiting at all (a reader ends as soon as its writer is gone).
  explicit WriterAbsence(int64_t grace_ns) : grace_ns_(grace_ns) {}

  // The ring reported no writer at now_mono_ns. True while the reader should keep waiting for a new one.
  bool within_grace(int64_t now_mono_ns) {
    if (!absent_) {
      absent_ = true;
      since_ = now_mono_ns;
    }
    return grace_ns_ > 0 && now_mono_ns - since_ < grace_ns_;
  }
  // A writer is there again; returns how long it had been away when it was (else nullopt).
  std::optional<int64_t> writer_seen(int64_t now_mono_ns) {
    if (!absent_) return std::nullopt;
    absent_ = false;
    return now_mono_ns - since_;
  }
  bool absent() const noexcept { return absent_; }
  int64_t grace_ns() const noexcept { return grace_ns_; }

 private:
  int64_t grace_ns_;
  // A plain pair rather than std::optional: GCC 12 warns (wrongly) that an inlined optional may be read unset.
  bool absent_ = false;
  int64_t since_ = 0;  // when the writer was first found gone
};

}  // namespace zc::fifo

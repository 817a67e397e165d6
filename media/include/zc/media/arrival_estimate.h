// When each access unit of a batched read arrived (docs/ingest.md, "Batched reads"). A read every 100 ms finds
// several pictures; stamping them back from the moment of the read by their dts puts the whole batch late by the
// time between the newest picture's arrival and the read — up to a picture interval, a different amount in each
// batch, so that wall times jittered by up to a frame against the media timeline. The stream's own clock is
// steadier: each access unit is stamped at its dts plus the lowest (read time - dts) seen lately, the closest a
// read has come to an arrival. The stamps then keep the pictures' spacing from batch to batch; they are late by
// that closest wait (constant, and smaller as reads happen to fall just after an arrival). Camera clocks drift
// against the host, so the offset may grow by up to kDriftPerSecondNs; a jump of the camera's clock (more than
// kResetNs from the estimate) starts it again.
#pragma once

#include <cstdint>
#include <optional>

namespace zc::media {

class ArrivalEstimate {
 public:
  static constexpr int64_t kDriftPerSecondNs = 2'000'000;  // 0.2 %: more than cameras' clocks drift
  static constexpr int64_t kResetNs = 1'000'000'000;

  // A read that ended at `read_ns` (the host's CLOCK_MONOTONIC) held, as its newest, a unit of `dts_ns` (the
  // stream's timeline, ns).
  void observe(int64_t read_ns, int64_t dts_ns);
  // The arrival of a unit of `dts_ns` from the last read, within [earliest_ns, read_ns] (a unit read now arrived
  // after the previous read ended and before this one did).
  int64_t arrival(int64_t dts_ns, int64_t earliest_ns, int64_t read_ns) const;
  // Reads observed so far. A reader that wakes per picture reads each one moments after it arrives: a source
  // should observe kSettledObservations of those before it batches, so that the estimate starts from close reads
  // (one batch's sample may be a picture interval late, and the next lower one would then be a step).
  static constexpr uint64_t kSettledObservations = 25;
  uint64_t observations() const noexcept { return observations_; }

 private:
  std::optional<int64_t> offset_ns_;  // arrival - dts
  int64_t at_ns_ = 0;                 // when offset_ns_ was last set
  uint64_t observations_ = 0;
};

}  // namespace zc::media

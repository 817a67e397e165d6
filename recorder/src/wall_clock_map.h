// The wall clock of one recording: capture instants (CLOCK_MONOTONIC) mapped onto wall time. Frames carry CLOCK_REALTIME and CLOCK_MONOTONIC capture times; the
// timeline is anchored to realtime once (at the first frame, and never before the end of the stream's previous
// segment) and then advances with monotonic time only, so a realtime jump can neither overlap segments nor send
// them backwards. A realtime reading (the recorder's injected clock, sampled with every video frame) that
// disagrees with the timeline by more than the threshold is a clock jump: it is reported once per jump (the
// new offset becomes the reference for the next report).
#pragma once

#include <cstdint>
#include <optional>

namespace zc::recorder {

struct ClockJump {
  int64_t anchored_wall_ns = 0;
  int64_t reported_wall_ns = 0;
  int64_t jump_ns = 0;
};

class WallClockMap {
 public:
  explicit WallClockMap(int64_t jump_threshold_ns) : threshold_ns_(jump_threshold_ns) {}

  // Fixes the anchor: wall time of the frame captured at mono_ns, clamped to not_before_wall_ns.
  void anchor(int64_t frame_wall_ns, int64_t frame_mono_ns, std::optional<int64_t> not_before_wall_ns);
  bool anchored() const noexcept { return anchored_; }
  // The recording's wall time of a capture instant.
  int64_t wall_at(int64_t mono_ns) const noexcept { return anchor_wall_ns_ + (mono_ns - anchor_mono_ns_); }
  // Checks a (realtime, monotonic) reading of the same instant against the timeline.
  std::optional<ClockJump> observe(int64_t wall_ns, int64_t mono_ns);

 private:
  int64_t threshold_ns_;
  bool anchored_ = false;
  int64_t anchor_wall_ns_ = 0, anchor_mono_ns_ = 0;
  int64_t reported_offset_ns_ = 0;  // realtime - timeline at the last report (0: in agreement)
};

}  // namespace zc::recorder

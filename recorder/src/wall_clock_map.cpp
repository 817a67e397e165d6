#include "wall_clock_map.h"

#include <algorithm>
#include <cstdlib>

namespace zc::recorder {

void WallClockMap::anchor(int64_t frame_wall_ns, int64_t frame_mono_ns, std::optional<int64_t> not_before_wall_ns) {
  anchor_wall_ns_ = not_before_wall_ns ? std::max(frame_wall_ns, *not_before_wall_ns) : frame_wall_ns;
  anchor_mono_ns_ = frame_mono_ns;
  reported_offset_ns_ = frame_wall_ns - anchor_wall_ns_;
  anchored_ = true;
}

std::optional<ClockJump> WallClockMap::observe(int64_t wall_ns, int64_t mono_ns) {
  if (!anchored_) return std::nullopt;
  const int64_t expected = wall_at(mono_ns);
  const int64_t offset = wall_ns - expected;
  if (std::llabs(offset - reported_offset_ns_) <= threshold_ns_) return std::nullopt;
  reported_offset_ns_ = offset;
  return ClockJump{expected, wall_ns, offset};
}

}  // namespace zc::recorder

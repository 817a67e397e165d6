// Turns frame wall-clock times into the moments they are due, at a speed, in either direction. The pacer is
// re-anchored at the next frame after anything that breaks the timeline (start, seek, resume, speed change,
// a gap): a gap of an hour in a recording is announced, not waited out.
#pragma once

#include <chrono>
#include <cstdint>

namespace zc::playback {

class Pacer {
 public:
  using Clock = std::chrono::steady_clock;

  Pacer(double speed, bool reverse) : speed_(speed), reverse_(reverse) {}

  void set_speed(double speed) {
    speed_ = speed;
    rebase();
  }
  void rebase() { anchored_ = false; }

  Clock::time_point due(int64_t wall_ns) {
    if (!anchored_) {
      anchor_wall_ = wall_ns;
      anchor_ = Clock::now();
      anchored_ = true;
    }
    int64_t delta = reverse_ ? anchor_wall_ - wall_ns : wall_ns - anchor_wall_;
    if (delta < 0) delta = 0;  // B-frames arrive before earlier-shown frames: due at once
    return anchor_ + std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(delta) / speed_));
  }

 private:
  double speed_;
  bool reverse_;
  bool anchored_ = false;
  int64_t anchor_wall_ = 0;
  Clock::time_point anchor_{};
};

}  // namespace zc::playback

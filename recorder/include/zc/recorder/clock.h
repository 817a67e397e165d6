// Time as the recorder sees it, injected so that session timing and clock-jump handling are testable.
#pragma once

#include <cstdint>

namespace zc::recorder {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t mono_ns() const = 0;  // CLOCK_MONOTONIC, the clock frames are timed with
  virtual int64_t wall_ns() const = 0;  // CLOCK_REALTIME
};

class SystemClock final : public Clock {
 public:
  int64_t mono_ns() const override;
  int64_t wall_ns() const override;
};

}  // namespace zc::recorder

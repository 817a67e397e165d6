// The one clock of the tree. Every module that reads the time takes a Clock (a reference or shared_ptr from whoever
// started it: zcrecd's main, a CLI command's entry, a test's fake) instead of calling chrono or clock_gettime itself,
// so that session timing, leases, retention and clock jumps can be driven by a test. It lives here, at the lowest
// floor that needs it, because the ring stamps every frame with these same two clocks (FrameHeader::mono_ns/wall_ns).
#pragma once

#include <chrono>
#include <cstdint>

namespace zc::fifo {

class Clock {
 public:
  virtual ~Clock() = default;
  // CLOCK_MONOTONIC in nanoseconds: the clock frames are timed with, for durations, deadlines and ages. Never jumps;
  // its zero is the boot, so it means nothing across hosts or reboots.
  virtual int64_t mono_ns() const = 0;
  // CLOCK_REALTIME in nanoseconds since the Unix epoch (UTC): for what a person or another host reads (catalog
  // times, leases, HTTP dates, logs). May jump when NTP or an operator sets it.
  virtual int64_t wall_ns() const = 0;

  // mono_ns() as a std::chrono duration since the clock's zero, for code that counts in chrono types.
  std::chrono::nanoseconds mono() const { return std::chrono::nanoseconds(mono_ns()); }
};

// The host's clocks, as the ring's own stamps read them. Stateless: one per owner is fine, and a const one is
// safe to share between threads.
class SystemClock final : public Clock {
 public:
  int64_t mono_ns() const override;
  int64_t wall_ns() const override;
};

}  // namespace zc::fifo

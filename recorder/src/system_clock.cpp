#include <zc/recorder/clock.h>

#include <time.h>

namespace zc::recorder {
namespace {
int64_t read_clock(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

int64_t SystemClock::mono_ns() const { return read_clock(CLOCK_MONOTONIC); }
int64_t SystemClock::wall_ns() const { return read_clock(CLOCK_REALTIME); }

}  // namespace zc::recorder

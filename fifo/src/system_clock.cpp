#include <zc/fifo/clock.h>

#include "shm_object.h"

namespace zc::fifo {

// The same reads the ring stamps frames with, so a time from the Clock and a frame's stamp are comparable.
int64_t SystemClock::mono_ns() const { return mono_now_ns(); }
int64_t SystemClock::wall_ns() const { return wall_now_ns(); }

}  // namespace zc::fifo

// Time as the recorder sees it: the tree's one clock (zc/fifo/clock.h), injected so that session timing and
// clock-jump handling are testable. The recorder names are kept so existing callers and tests read unchanged.
#pragma once

#include <zc/fifo/clock.h>

namespace zc::recorder {

using Clock = fifo::Clock;              // mono_ns(): CLOCK_MONOTONIC, wall_ns(): CLOCK_REALTIME, nanoseconds
using SystemClock = fifo::SystemClock;

}  // namespace zc::recorder

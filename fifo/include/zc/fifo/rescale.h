// Timestamps from one time base to another (a track's, nanoseconds, the catalog's 90 kHz): the one conversion
// every module uses instead of its own multiply-and-divide. Exact: v * from.num * to.den (at most 63 + 31 + 31
// bits) is formed in 128 bits, so no media timestamp overflows on the way; only the result is clamped to int64.
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>
#include <limits>

namespace zc::fifo {

enum class Rounding {
  toward_zero,  // truncation, as C's integer division (what every hand-written conversion here did)
  nearest,      // to the nearest tick, halves away from zero
};

// v ticks of `from` in ticks of `to`. A time base with num <= 0 or den <= 0 (the ring refuses those) gives 0.
constexpr int64_t rescale(int64_t v, Rational from, Rational to, Rounding rounding = Rounding::toward_zero) {
  if (from.num <= 0 || from.den <= 0 || to.num <= 0 || to.den <= 0) return 0;
  const __int128 x = static_cast<__int128>(v) * from.num * to.den;
  const __int128 d = static_cast<__int128>(from.den) * to.num;
  __int128 q = x / d;
  if (rounding == Rounding::nearest) {
    const __int128 r = x % d;  // same sign as x
    if (2 * (r < 0 ? -r : r) >= d) q += x < 0 ? -1 : 1;
  }
  if (q > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (q < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(q);
}

inline constexpr Rational kNanoseconds{1, 1'000'000'000};

constexpr int64_t to_ns(int64_t ticks, Rational tb, Rounding rounding = Rounding::toward_zero) {
  return rescale(ticks, tb, kNanoseconds, rounding);
}
constexpr int64_t from_ns(int64_t ns, Rational tb, Rounding rounding = Rounding::toward_zero) {
  return rescale(ns, kNanoseconds, tb, rounding);
}

}  // namespace zc::fifo

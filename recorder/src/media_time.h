// Conversions between a track's time base, nanoseconds and the catalog's 90 kHz, without overflow for media
// timestamps (128-bit intermediates).
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>

namespace zc::recorder {

inline constexpr int64_t kSecond = 1'000'000'000;

// v * num / den in units of 1/to_den, truncated.
inline int64_t rescale(int64_t v, fifo::Rational from, int64_t to_den) {
  const __int128 x = static_cast<__int128>(v) * from.num * to_den;
  return static_cast<int64_t>(x / from.den);
}

// ns on a track's time base, rounded to the nearest tick.
inline int64_t ns_to_ticks(int64_t ns, fifo::Rational tb) {
  const __int128 den = static_cast<__int128>(tb.num) * kSecond;
  const __int128 x = static_cast<__int128>(ns) * tb.den;
  return static_cast<int64_t>((x >= 0 ? x + den / 2 : x - den / 2) / den);
}

}  // namespace zc::recorder

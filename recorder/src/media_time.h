// Conversions between a track's time base, nanoseconds and the catalog's 90 kHz, without overflow for media
// timestamps: fifo::rescale (128-bit intermediates) with the roundings the recorder chose.
#pragma once

#include <zc/fifo/frame.h>
#include <zc/fifo/rescale.h>

#include <cstdint>

namespace zc::recorder {

inline constexpr int64_t kSecond = 1'000'000'000;

// v * num / den in units of 1/to_den (90000 or kSecond), truncated.
inline int64_t rescale(int64_t v, fifo::Rational from, int64_t to_den) {
  return fifo::rescale(v, from, {1, static_cast<int32_t>(to_den)});
}

// ns on a track's time base, rounded to the nearest tick.
inline int64_t ns_to_ticks(int64_t ns, fifo::Rational tb) { return fifo::from_ns(ns, tb, fifo::Rounding::nearest); }

}  // namespace zc::recorder

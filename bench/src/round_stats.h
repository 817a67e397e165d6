// The clock and the summaries the benchmarks that time rounds share: a monotonic "now" and, over the rounds'
// figures, the median and the fastest (on a machine shared with other work, the fastest round is the closest
// to the cost itself).
#pragma once

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace zc::bench {

inline int64_t mono_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

inline double fastest(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}

}  // namespace zc::bench

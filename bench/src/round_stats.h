// The summaries the benchmarks that time rounds share: over the rounds' figures, the median and the fastest (on a
// machine shared with other work, the fastest round is the closest to the cost itself). Rounds are timed with the
// command's fifo::Clock (mono_ns).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace zc::bench {

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

inline double fastest(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}

}  // namespace zc::bench

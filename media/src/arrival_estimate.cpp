#include <zc/media/arrival_estimate.h>

#include <algorithm>

namespace zc::media {

void ArrivalEstimate::observe(int64_t read_ns, int64_t dts_ns) {
  const int64_t sample = read_ns - dts_ns;  // >= the true offset: the read came after the arrival
  if (!offset_ns_) {
    offset_ns_ = sample;
  } else {
    const int64_t elapsed = std::max<int64_t>(read_ns - at_ns_, 0);
    const int64_t allowed = *offset_ns_ + static_cast<int64_t>(static_cast<__int128>(elapsed) * kDriftPerSecondNs /
                                                                1'000'000'000);
    if (sample <= allowed || sample - allowed > kResetNs) offset_ns_ = sample;
    else offset_ns_ = allowed;
  }
  at_ns_ = read_ns;
  ++observations_;
}

int64_t ArrivalEstimate::arrival(int64_t dts_ns, int64_t earliest_ns, int64_t read_ns) const {
  const int64_t lo = std::min(earliest_ns, read_ns);
  if (!offset_ns_) return read_ns;
  return std::clamp(dts_ns + *offset_ns_, lo, read_ns);
}

}  // namespace zc::media

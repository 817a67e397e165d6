#include "raw_timestamps.h"

#include <algorithm>

namespace zc::media {

RawTimestamps::RawTimestamps(fifo::Codec codec, int64_t frame_duration, int reorder_delay)
    : poc_step_(codec == fifo::Codec::h264 ? 2 : 1),
      duration_(std::max<int64_t>(frame_duration, 1)),
      delay_(std::max(reorder_delay, 0)) {}

RawTimestamps::Stamp RawTimestamps::next(std::optional<int> poc, bool idr) {
  const int64_t n = decoded_++;
  if (idr) idr_index_ = n;
  int64_t display = n;
  if (poc) display = idr_index_ + *poc / poc_step_;
  // pts is shifted by the reorder delay so that it is never before dts.
  const int64_t dts = n * duration_;
  const int64_t pts = std::max(dts, (display + delay_) * duration_);
  return {pts, dts};
}

}  // namespace zc::media

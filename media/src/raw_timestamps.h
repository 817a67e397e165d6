// Timestamps for raw Annex-B input, which carries none: decoding time counts frames, presentation time
// comes from the picture order count, so B-frames keep their display order. POC restarts at 0 on every IDR
// (every picture before an IDR is displayed before it) and runs on across CRA keyframes; one frame is 2 POC
// units in H.264 (x264, and POC type 2) and 1 in H.265.
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>
#include <optional>

namespace zc::media {

class RawTimestamps {
 public:
  // `frame_duration` in the track's time base; `reorder_delay` in frames (the stream's has_b_frames).
  RawTimestamps(fifo::Codec codec, int64_t frame_duration, int reorder_delay);

  struct Stamp {
    int64_t pts, dts;
  };
  // For the next access unit in decoding order; `poc` as VideoHeaderParser found it (nullopt: pts = dts),
  // `idr` when the access unit is an IDR picture (not merely a keyframe).
  Stamp next(std::optional<int> poc, bool idr);

 private:
  int poc_step_;
  int64_t duration_;
  int64_t delay_;
  int64_t decoded_ = 0;     // access units so far
  int64_t idr_index_ = 0;   // display index of the last IDR
};

}  // namespace zc::media

// RTP carries presentation times only. With B-frames, decoding order differs from presentation order and the
// decoding times have to be made up: the reorder depth d is learned from the stream (the most places a
// picture's pts comes before one sent earlier), and each picture's dts is the smallest pts not yet used among the
// last d + 1 pictures — increasing, never after its pts, exact for a constant frame rate. Before a first
// reordering is seen (and for streams without B-frames) dts = pts. A pts more than `jump_ticks` before the last
// dts is not reordering but the camera's clock stepping back: the window starts again there (dts = pts, the step
// back left for LiveSource to see as a jump), keeping the depth learned.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

namespace zc::ingest {

class DtsFromPts {
 public:
  explicit DtsFromPts(int64_t jump_ticks = 45'000) : jump_ticks_(jump_ticks) {}
  int64_t next(int64_t pts);
  void reset();
  int depth() const noexcept { return depth_; }

 private:
  static constexpr int kMaxDepth = 8;
  int64_t jump_ticks_;
  std::deque<int64_t> recent_;      // the pts of the last kMaxDepth + 1 pictures, in decoding order
  std::vector<int64_t> pending_;    // pts not yet used as a dts (a min-heap)
  int depth_ = 0;
  bool have_last_ = false;
  int64_t last_dts_ = 0;
};

}  // namespace zc::ingest

// RTP carries presentation times only. With B-frames, decoding order differs from presentation order and the
// decoding times have to be made up: the reorder depth d is learned from the stream (the most places a
// picture's pts comes before one sent earlier), and each picture's dts is the smallest pts not yet used among the
// last d + 1 pictures — increasing, never after its pts, exact for a constant frame rate. Before a first
// reordering is seen (and for streams without B-frames) dts = pts.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

namespace zc::ingest {

class DtsFromPts {
 public:
  int64_t next(int64_t pts);
  void reset();
  int depth() const noexcept { return depth_; }

 private:
  static constexpr int kMaxDepth = 8;
  std::deque<int64_t> recent_;      // the pts of the last kMaxDepth + 1 pictures, in decoding order
  std::vector<int64_t> pending_;    // pts not yet used as a dts (a min-heap)
  int depth_ = 0;
  bool have_last_ = false;
  int64_t last_dts_ = 0;
};

}  // namespace zc::ingest

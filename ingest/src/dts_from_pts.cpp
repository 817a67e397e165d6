#include <zc/ingest/dts_from_pts.h>

#include <algorithm>
#include <functional>

namespace zc::ingest {

void DtsFromPts::reset() {
  recent_.clear();
  pending_.clear();
  depth_ = 0;
  have_last_ = false;
}

int64_t DtsFromPts::next(int64_t pts) {
  if (have_last_ && pts < last_dts_ - jump_ticks_) {
    recent_.clear();
    pending_.clear();
    have_last_ = false;
  }
  // How many of the pictures sent before this one are shown after it.
  int later = 0;
  for (const int64_t earlier : recent_)
    if (earlier > pts) ++later;
  depth_ = std::clamp(std::max(depth_, later), 0, kMaxDepth);
  recent_.push_back(pts);
  if (recent_.size() > kMaxDepth + 1) recent_.pop_front();

  pending_.push_back(pts);
  std::push_heap(pending_.begin(), pending_.end(), std::greater<>());
  int64_t dts = pts;
  if (depth_ > 0) {
    // Keep d pictures' pts in reserve: the dts of this picture is the smallest of the others.
    if (pending_.size() > static_cast<size_t>(depth_)) {
      std::pop_heap(pending_.begin(), pending_.end(), std::greater<>());
      dts = pending_.back();
      pending_.pop_back();
    } else {
      dts = have_last_ ? last_dts_ + 1 : pts - 1;
    }
  } else {
    pending_.clear();
  }
  dts = std::min(dts, pts);
  if (have_last_ && dts <= last_dts_) dts = last_dts_ + 1;
  have_last_ = true;
  last_dts_ = dts;
  return dts;
}

}  // namespace zc::ingest

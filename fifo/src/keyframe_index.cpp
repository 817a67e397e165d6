#include "keyframe_index.h"

namespace zc::fifo::keyframe_index {
namespace {

// Reads entry i; false if it was (or may have been) overwritten while we read it, or is not yet published.
bool read_entry(const RingMap& m, uint64_t i, KeyframeInfo& out) {
  const auto& e = m.index[i & m.index_mask];
  out.pos = e.pos.load(std::memory_order_relaxed);
  out.seq = e.seq.load(std::memory_order_relaxed);
  out.mono_ns = e.mono_ns.load(std::memory_order_relaxed);
  out.wall_ns = e.wall_ns.load(std::memory_order_relaxed);
  out.pts = e.pts.load(std::memory_order_relaxed);
  out.track = e.track.load(std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_acquire);
  const uint64_t claim = m.header->index_claim.load(std::memory_order_relaxed);
  return claim <= i + (m.index_mask + 1);
}

bool frame_intact(const RingMap& m, const KeyframeInfo& kf) {
  return kf.pos >= m.header->tail_pos.load(std::memory_order_acquire);
}

struct Window {
  uint64_t lo, hi;  // entries [lo, hi) are published and not yet overwritten (at the time of reading)
};

Window window(const RingMap& m) {
  const uint64_t head = m.header->index_head.load(std::memory_order_acquire);
  const uint64_t claim = m.header->index_claim.load(std::memory_order_acquire);
  const uint64_t entries = m.index_mask + 1;
  const uint64_t lo = claim > entries ? claim - entries : 0;
  return {lo < head ? lo : head, head};
}

// First entry in [w.lo, w.hi) whose frame is intact, found by binary search on position (entries are sorted).
std::optional<uint64_t> first_intact(const RingMap& m, Window w) {
  uint64_t lo = w.lo, hi = w.hi;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    KeyframeInfo kf;
    if (!read_entry(m, mid, kf) || !frame_intact(m, kf))
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo >= w.hi) return std::nullopt;
  return lo;
}

}  // namespace

std::optional<KeyframeInfo> newest(const RingMap& m) {
  const Window w = window(m);
  for (uint64_t i = w.hi; i > w.lo; --i) {
    KeyframeInfo kf;
    if (!read_entry(m, i - 1, kf)) return std::nullopt;  // the whole window moved on; older ones are gone too
    if (frame_intact(m, kf)) return kf;
    return std::nullopt;  // the newest is gone, so are all older ones
  }
  return std::nullopt;
}

std::optional<KeyframeInfo> oldest(const RingMap& m) {
  for (int attempt = 0; attempt < 4; ++attempt) {
    const Window w = window(m);
    auto i = first_intact(m, w);
    if (!i) return std::nullopt;
    KeyframeInfo kf;
    if (read_entry(m, *i, kf) && frame_intact(m, kf)) return kf;
  }
  return std::nullopt;
}

std::optional<KeyframeInfo> at_or_before(const RingMap& m, int64_t target_mono_ns) {
  for (int attempt = 0; attempt < 4; ++attempt) {
    const Window w = window(m);
    auto first = first_intact(m, w);
    if (!first) return std::nullopt;
    // Last entry in [first, hi) with mono_ns <= target.
    uint64_t lo = *first, hi = w.hi;
    bool torn = false;
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      KeyframeInfo kf;
      if (!read_entry(m, mid, kf)) {
        torn = true;
        break;
      }
      if (kf.mono_ns <= target_mono_ns)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (torn) continue;
    if (lo == *first) return std::nullopt;  // even the oldest intact keyframe is after the target
    KeyframeInfo kf;
    if (read_entry(m, lo - 1, kf) && frame_intact(m, kf)) return kf;
  }
  return std::nullopt;
}

uint64_t count_intact(const RingMap& m) {
  const Window w = window(m);
  auto first = first_intact(m, w);
  return first ? w.hi - *first : 0;
}

}  // namespace zc::fifo::keyframe_index

// Lookups in the ring's keyframe index (see layout.h). They read only the index and the header, never payload,
// and never return an entry that was overwritten during the read or whose frame is no longer intact.
#pragma once

#include "shm_object.h"

#include <zc/fifo/frame.h>

#include <optional>

namespace zc::fifo::keyframe_index {

std::optional<KeyframeInfo> newest(const RingMap& m);
std::optional<KeyframeInfo> oldest(const RingMap& m);
// Newest keyframe with mono_ns <= target; nullopt when even the oldest intact keyframe is later.
std::optional<KeyframeInfo> at_or_before(const RingMap& m, int64_t target_mono_ns);
// Number of entries whose frames are still intact.
uint64_t count_intact(const RingMap& m);

}  // namespace zc::fifo::keyframe_index

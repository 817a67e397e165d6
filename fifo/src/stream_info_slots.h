// Encoding stream-info versions into the InfoSlot ring of the header, and reading them back consistently.
#pragma once

#include "layout.h"

#include <zc/fifo/frame.h>

#include <optional>

namespace zc::fifo {

// Writer side: stores `info` as generation `generation` into its slot. Throws invalid_argument when the info
// does not fit (too many tracks, configuration too long).
void store_stream_info(layout::InfoSlot* slots, uint64_t generation, const StreamInfo& info);
void validate_stream_info(const StreamInfo& info);

// Reader side: the info of `generation` if its slot still holds it untorn; nullopt if it was reused.
std::optional<StreamInfo> load_stream_info(const layout::InfoSlot* slots, uint64_t generation);

}  // namespace zc::fifo

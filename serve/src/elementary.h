// The little the server must know about the bytes of an access unit: whether a keyframe already carries its
// parameter sets, and where an AAC frame's ADTS header ends (RTP carries raw AAC).
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>
#include <span>

namespace zc::serve {

// True when the Annex-B access unit holds an SPS NAL unit (H.264 type 7, H.265 type 33).
bool has_parameter_sets(fifo::Codec codec, std::span<const uint8_t> au);

// The raw AAC frame inside an ADTS frame; the input unchanged when it does not start with an ADTS header.
std::span<const uint8_t> without_adts_header(std::span<const uint8_t> frame);

}  // namespace zc::serve

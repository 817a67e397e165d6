// Picture size and luma bit depth from an H.264 or H.265 sequence parameter set: what the stream info (and the MP4
// track a recorder writes) needs and the SDP does not say. Reads the SPS only, never a slice.
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>
#include <optional>
#include <span>

namespace zc::ingest {

struct SpsSize {
  uint32_t width = 0, height = 0;
  uint32_t bit_depth = 8;
};

// `sps`: one SPS NAL unit with its header, without start code. nullopt when it cannot be read.
std::optional<SpsSize> parse_sps_size(fifo::Codec codec, std::span<const uint8_t> sps);

}  // namespace zc::ingest

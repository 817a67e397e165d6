// Undoing what libavcodec's hevc_mp4toannexb filter adds. In FFmpeg 5.1 it puts the track's configuration (the
// hvcC arrays: VPS/SPS/PPS and the encoder's SEI) in front of every IRAP picture, even when the sample already
// carries its own parameter sets (hev1-style streams, x265's repeat-headers): the access unit then holds them
// twice, bytes the source never had. (h264_mp4toannexb already checks for in-band SPS/PPS.)
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>
#include <span>
#include <vector>

namespace zc::media {

// `access_unit` is the filter's Annex-B output, `inserted` the configuration it prepends (its par_out
// extradata). When the access unit holds that block and, outside it, parameter sets of its own, the block is
// removed: the sample's own parameter sets are the source's and the ones in force. Returns true if it did.
bool drop_inserted_parameter_sets(fifo::Codec codec, std::span<const uint8_t> inserted,
                                  std::vector<uint8_t>& access_unit);

}  // namespace zc::media

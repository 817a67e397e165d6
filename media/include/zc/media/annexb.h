// Annex-B byte streams (H.264/H.265 NAL units separated by 00 00 01 start codes): splitting access units and
// finding the parameter sets (VPS/SPS/PPS) that make up a track's codec configuration.
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>
#include <span>
#include <vector>

namespace zc::media::annexb {

// The bytes of one NAL unit, without its start code and without trailing zero bytes (which belong to the
// next start code or are stuffing, and must not make two identical parameter sets compare different).
using Nal = std::span<const uint8_t>;

// NAL units of an Annex-B buffer in order; bytes before the first start code are ignored.
std::vector<Nal> split(std::span<const uint8_t> annexb);

// NAL unit type of `nal` for `codec` (H.264: 5 bits, H.265: 6 bits); -1 if empty or not a video codec.
int nal_type(fifo::Codec codec, Nal nal) noexcept;
bool is_parameter_set(fifo::Codec codec, Nal nal) noexcept;
bool is_sps(fifo::Codec codec, Nal nal) noexcept;

// The parameter sets of an Annex-B buffer in order of appearance, each behind a 4-byte start code: the
// canonical form of a zcrec codec configuration. Empty when there are none.
std::vector<uint8_t> parameter_sets(fifo::Codec codec, std::span<const uint8_t> annexb);

// True when `annexb` carries an SPS in band (a decoder can start from it without the stream info).
bool carries_sps(fifo::Codec codec, std::span<const uint8_t> annexb);

// True when `annexb` holds an IDR picture (H.264 type 5, H.265 IDR_W_RADL/IDR_N_LP), where the picture order
// count restarts; other random access points (H.265 CRA, H.264 recovery points) continue it.
bool contains_idr(fifo::Codec codec, std::span<const uint8_t> annexb);

// True when `annexb` holds a coded slice (H.264 NAL types 1-5, H.265 VCL types 0-31): a picture, not only
// parameter sets, SEI or delimiters.
bool contains_picture(fifo::Codec codec, std::span<const uint8_t> annexb);

// True when the first coded slice in `annexb` is the first of its picture (H.264 first_mb_in_slice = 0, H.265
// first_slice_segment_in_pic_flag): a buffer holding later slices only continues an access unit.
bool starts_picture(fifo::Codec codec, std::span<const uint8_t> annexb);

// True when the buffer starts with a start code (00 00 01 or 00 00 00 01), i.e. is Annex-B rather than
// avcC/hvcC configuration or length-prefixed samples.
bool looks_like_annexb(std::span<const uint8_t> bytes) noexcept;

// Appends a 4-byte start code and `nal` to `out`.
void append_nal(std::vector<uint8_t>& out, Nal nal);

}  // namespace zc::media::annexb

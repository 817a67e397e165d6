// H.264/H.265 the way MP4 stores it: every NAL unit behind its 4-byte big-endian length instead of an Annex-B
// start code, and the parameter sets in an avcC/hvcC record in the sample entry.
//
// The ring carries Annex-B. Handed Annex-B, libavformat's mp4 muxer scans every sample for start codes with a
// byte loop (a fifth of the recorder's CPU in a profile) after the recorder has already copied it into a
// packet. Converting in that copy instead (the scan is a memchr for the 01 of each start code) and giving the
// muxer length-prefixed samples with an avcC/hvcC extradata saves both (figures in docs/benchmarks.md).
#pragma once

#include <zc/fifo/frame.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace zc::media::mp4_sample {

// Replaces `out` with the length-prefixed form of one Annex-B access unit. As in libavformat's conversion,
// bytes before the first start code are dropped; so are the zero bytes in front of each start code (a NAL unit
// never ends in a zero byte: rbsp_trailing_bits end with a one bit, cabac_zero_words carry 03).
void from_annexb(std::span<const std::byte> annexb, std::vector<uint8_t>& out);
// The same appended to `out` (a fragment's samples, one after the other).
void append_from_annexb(std::span<const std::byte> annexb, std::vector<uint8_t>& out);

// The avcC (H.264) or hvcC (H.265) record for a track whose configuration is Annex-B parameter sets, exactly as
// libavformat's mp4 muxer writes it into its sample entry (it is asked to, on a throwaway in-memory file).
// nullopt when it cannot make one, or when the configuration is not Annex-B; the caller then hands libavformat
// the frames as they are, as before.
std::optional<std::vector<uint8_t>> decoder_config_record(const fifo::TrackInfo& video);

}  // namespace zc::media::mp4_sample

#include <zc/media/adts.h>
#include <zc/media/error.h>

#include <string>

namespace zc::media::adts {

std::optional<AudioConfig> parse_audio_specific_config(std::span<const uint8_t> asc) noexcept {
  if (asc.size() < 2) return std::nullopt;
  AudioConfig c;
  c.object_type = static_cast<uint8_t>(asc[0] >> 3);
  c.frequency_index = static_cast<uint8_t>(((asc[0] & 0x07) << 1) | (asc[1] >> 7));
  c.channel_config = static_cast<uint8_t>((asc[1] >> 3) & 0x0F);
  // ADTS has 3 bits for the channel configuration: 8..15 (AAC's newer layouts, or reserved) cannot be framed.
  if (c.object_type == 0 || c.object_type > 4 || c.frequency_index > 12 || c.channel_config > 7) return std::nullopt;
  return c;
}

std::vector<uint8_t> make_audio_specific_config(const AudioConfig& c) {
  return {static_cast<uint8_t>((c.object_type << 3) | (c.frequency_index >> 1)),
          static_cast<uint8_t>(((c.frequency_index & 1) << 7) | (c.channel_config << 3))};
}

std::array<uint8_t, 7> header(const AudioConfig& c, size_t payload_bytes) {
  const size_t len = payload_bytes + 7;
  if (len > 0x1FFF) throw MediaError(MediaErrc::invalid_argument, "AAC frame of " + std::to_string(payload_bytes) +
                                                                      " bytes is too large for ADTS");
  const unsigned profile = c.object_type - 1u;  // ADTS stores the object type minus one in 2 bits
  return {0xFF,
          0xF1,  // MPEG-4, layer 0, no CRC
          static_cast<uint8_t>((profile << 6) | (c.frequency_index << 2) | (c.channel_config >> 2)),
          static_cast<uint8_t>(((c.channel_config & 3) << 6) | (len >> 11)),
          static_cast<uint8_t>((len >> 3) & 0xFF),
          static_cast<uint8_t>(((len & 7) << 5) | 0x1F),
          0xFC};  // buffer fullness 0x7FF (VBR), one raw data block
}

std::optional<Parsed> parse_header(std::span<const uint8_t> b) noexcept {
  if (b.size() < 7 || b[0] != 0xFF || (b[1] & 0xF6) != 0xF0) return std::nullopt;
  Parsed p;
  p.config.object_type = static_cast<uint8_t>((b[2] >> 6) + 1);
  p.config.frequency_index = static_cast<uint8_t>((b[2] >> 2) & 0x0F);
  p.config.channel_config = static_cast<uint8_t>(((b[2] & 1) << 2) | (b[3] >> 6));
  p.header_bytes = (b[1] & 1) ? 7 : 9;  // protection_absent = 0 means a 2-byte CRC follows
  p.frame_bytes = (static_cast<size_t>(b[3] & 3) << 11) | (static_cast<size_t>(b[4]) << 3) | (b[5] >> 5);
  if (p.frame_bytes < p.header_bytes || p.config.frequency_index > 12) return std::nullopt;
  return p;
}

}  // namespace zc::media::adts

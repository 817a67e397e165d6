// ADTS framing of AAC: the 7-byte header that turns raw AAC frames plus an AudioSpecificConfig into a stream
// that players read (`zcrec cat --track audio`), and the reverse for ADTS input (raw .aac files, MPEG-TS).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace zc::media::adts {

struct AudioConfig {
  uint8_t object_type = 2;      // 2 = AAC LC
  uint8_t frequency_index = 3;  // 3 = 48000 Hz
  uint8_t channel_config = 2;
};

// Reads the first fields of an AudioSpecificConfig; nullopt when it is too short or uses what ADTS cannot
// express: an escape value (explicit frequency, object type > 30), an object type above 4 or a channel
// configuration above 7.
std::optional<AudioConfig> parse_audio_specific_config(std::span<const uint8_t> asc) noexcept;
std::vector<uint8_t> make_audio_specific_config(const AudioConfig& config);

// The header for one raw AAC frame of `payload_bytes`; throws MediaError(invalid_argument) if it cannot fit.
std::array<uint8_t, 7> header(const AudioConfig& config, size_t payload_bytes);

struct Parsed {
  AudioConfig config;
  size_t header_bytes = 0;  // 7, or 9 with CRC
  size_t frame_bytes = 0;   // header + payload
};
// Parses an ADTS header at the start of `bytes`; nullopt when there is none.
std::optional<Parsed> parse_header(std::span<const uint8_t> bytes) noexcept;

}  // namespace zc::media::adts

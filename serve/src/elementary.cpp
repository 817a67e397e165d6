#include "elementary.h"

namespace zc::serve {

bool has_parameter_sets(fifo::Codec codec, std::span<const uint8_t> au) {
  // Every NAL unit follows a 00 00 01 start code (a 4-byte one ends in the same three bytes).
  for (size_t i = 0; i + 3 < au.size(); ++i) {
    if (au[i] != 0 || au[i + 1] != 0 || au[i + 2] != 1) continue;
    const uint8_t b = au[i + 3];
    if (codec == fifo::Codec::h264 && (b & 0x1f) == 7) return true;
    if (codec == fifo::Codec::h265 && ((b >> 1) & 0x3f) == 33) return true;
    i += 2;
  }
  return false;
}

std::span<const uint8_t> without_adts_header(std::span<const uint8_t> frame) {
  if (frame.size() < 7 || frame[0] != 0xff || (frame[1] & 0xf6) != 0xf0) return frame;
  const size_t header = (frame[1] & 0x01) != 0 ? 7 : 9;  // protection_absent: no CRC
  const size_t length = (size_t{frame[3] & 0x03u} << 11) | (size_t{frame[4]} << 3) | (frame[5] >> 5);
  if (length < header || length > frame.size()) return frame;
  return frame.subspan(header, length - header);
}

}  // namespace zc::serve

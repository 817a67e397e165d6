#include "h264_depacketizer.h"

namespace zc::ingest {

void H264Depacketizer::push(const RtpPacket& p, int64_t timestamp, std::vector<AccessUnit>& out) {
  const std::span<const uint8_t> b = p.payload;
  au_.begin(timestamp, out);
  if (b.empty()) {
    au_.end(p.marker, out);
    return;
  }
  const int type = b[0] & 0x1F;
  if (type >= 1 && type <= 23) {
    au_.nal(b);
  } else if (type == 24) {  // STAP-A: 16-bit size, NAL unit, ...
    size_t at = 1;
    while (at + 2 <= b.size()) {
      const size_t size = (static_cast<size_t>(b[at]) << 8) | b[at + 1];
      at += 2;
      if (size == 0 || at + size > b.size()) {
        au_.damage();
        break;
      }
      au_.nal(b.subspan(at, size));
      at += size;
    }
  } else if (type == 28) {  // FU-A: indicator, header (S, E, type), piece
    if (b.size() < 2) {
      au_.damage();
    } else {
      const bool start = (b[1] & 0x80) != 0, end = (b[1] & 0x40) != 0;
      if (start) {
        const uint8_t header = static_cast<uint8_t>((b[0] & 0xE0) | (b[1] & 0x1F));
        au_.fragment_start(std::span<const uint8_t>(&header, 1), b.subspan(2));
        if (end) au_.fragment_piece({}, true);
      } else {
        au_.fragment_piece(b.subspan(2), end);
      }
    }
  } else {
    au_.damage();  // STAP-B, MTAP16/24, FU-B, reserved
  }
  au_.end(p.marker, out);
}

}  // namespace zc::ingest

#include "h265_depacketizer.h"

namespace zc::ingest {

void H265Depacketizer::push(const RtpPacket& p, int64_t timestamp, std::vector<AccessUnit>& out) {
  const std::span<const uint8_t> b = p.payload;
  au_.begin(timestamp, out);
  if (b.size() < 2) {
    if (!b.empty()) au_.damage();
    au_.end(p.marker, out);
    return;
  }
  const int type = (b[0] >> 1) & 0x3F;
  if (type < 48) {
    au_.nal(b);
  } else if (type == 48) {  // AP: payload header, then 16-bit size + NAL unit, ...
    size_t at = 2;
    while (at + 2 <= b.size()) {
      const size_t size = (static_cast<size_t>(b[at]) << 8) | b[at + 1];
      at += 2;
      if (size < 2 || at + size > b.size()) {
        au_.damage();
        break;
      }
      au_.nal(b.subspan(at, size));
      at += size;
    }
  } else if (type == 49) {  // FU: payload header, FU header (S, E, type), piece
    if (b.size() < 3) {
      au_.damage();
    } else {
      const bool start = (b[2] & 0x80) != 0, end = (b[2] & 0x40) != 0;
      if (start) {
        const uint8_t header[2] = {static_cast<uint8_t>((b[0] & 0x81) | ((b[2] & 0x3F) << 1)), b[1]};
        au_.fragment_start(header, b.subspan(3));
        if (end) au_.fragment_piece({}, true);
      } else {
        au_.fragment_piece(b.subspan(3), end);
      }
    }
  } else {
    au_.damage();  // PACI, reserved
  }
  au_.end(p.marker, out);
}

}  // namespace zc::ingest

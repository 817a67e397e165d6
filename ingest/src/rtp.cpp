#include <zc/ingest/rtp.h>

namespace zc::ingest {

namespace {

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t be32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
constexpr int64_t kNtpToUnixS = 2'208'988'800;

}  // namespace

std::optional<RtpPacket> parse_rtp(std::span<const uint8_t> b) {
  if (b.size() < 12 || (b[0] >> 6) != 2) return std::nullopt;
  RtpPacket p;
  const bool padding = (b[0] & 0x20) != 0, extension = (b[0] & 0x10) != 0;
  const size_t csrc = b[0] & 0x0F;
  p.marker = (b[1] & 0x80) != 0;
  p.payload_type = b[1] & 0x7F;
  p.sequence = be16(&b[2]);
  p.timestamp = be32(&b[4]);
  p.ssrc = be32(&b[8]);
  size_t begin = 12 + 4 * csrc;
  if (begin > b.size()) return std::nullopt;
  if (extension) {
    if (begin + 4 > b.size()) return std::nullopt;
    begin += 4 + 4 * static_cast<size_t>(be16(&b[begin + 2]));
    if (begin > b.size()) return std::nullopt;
  }
  size_t end = b.size();
  if (padding) {
    const size_t pad = b.back();
    if (pad == 0 || pad > end - begin) return std::nullopt;
    end -= pad;
  }
  p.payload = b.subspan(begin, end - begin);
  return p;
}

std::optional<SenderReport> parse_sender_report(std::span<const uint8_t> b) {
  // A compound packet: walk its parts to the SR (usually the first).
  while (b.size() >= 8) {
    if ((b[0] >> 6) != 2) return std::nullopt;
    const size_t length = 4 * (static_cast<size_t>(be16(&b[2])) + 1);
    if (length > b.size()) return std::nullopt;
    if (b[1] == 200 && length >= 28) {
      SenderReport sr;
      sr.ssrc = be32(&b[4]);
      const uint64_t seconds = be32(&b[8]), fraction = be32(&b[12]);
      sr.wall_ns = (static_cast<int64_t>(seconds) - kNtpToUnixS) * 1'000'000'000 +
                   static_cast<int64_t>((fraction * 1'000'000'000ULL) >> 32);
      sr.rtp_timestamp = be32(&b[16]);
      return sr;
    }
    b = b.subspan(length);
  }
  return std::nullopt;
}

SequenceTracker::Step SequenceTracker::next(uint16_t sequence) noexcept {
  Step s;
  if (!started_) {
    started_ = true;
    last_ = sequence;
    return s;
  }
  const auto delta = static_cast<int16_t>(static_cast<uint16_t>(sequence - last_));
  if (delta <= 0) {
    s.stale = true;
    return s;
  }
  // A jump beyond RFC 3550's MAX_DROPOUT is a restarted sequence: one break, not thousands of lost packets.
  s.lost = delta > 3000 ? 1 : static_cast<uint32_t>(delta - 1);
  last_ = sequence;
  return s;
}

int64_t TimestampUnwrapper::peek(uint32_t ts) const noexcept {
  if (!started_) return ts;
  return extended_ + static_cast<int32_t>(ts - last_);
}

int64_t TimestampUnwrapper::unwrap(uint32_t ts) noexcept {
  extended_ = peek(ts);
  started_ = true;
  last_ = ts;
  return extended_;
}

}  // namespace zc::ingest

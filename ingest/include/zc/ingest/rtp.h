// RTP packets (RFC 3550) as views into the bytes read, RTCP sender reports (the camera's NTP time for one RTP
// timestamp), and the two counters every receiver keeps per track: sequence numbers (to see losses, with any
// starting value, 0 and 1 included) and 32-bit timestamps unwrapped to 64 bits.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace zc::ingest {

struct RtpPacket {
  bool marker = false;
  uint8_t payload_type = 0;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  std::span<const uint8_t> payload;  // CSRCs, header extension and padding removed
};

// nullopt for anything that is not a version-2 RTP packet with a consistent length.
std::optional<RtpPacket> parse_rtp(std::span<const uint8_t> bytes);

struct SenderReport {
  uint32_t ssrc = 0;
  int64_t wall_ns = 0;   // the NTP timestamp as ns since the Unix epoch
  uint32_t rtp_timestamp = 0;
};

// The sender report of a (compound) RTCP packet, if it carries one.
std::optional<SenderReport> parse_sender_report(std::span<const uint8_t> bytes);

// Sequence numbers of one track in arrival order (after any reordering): how many packets went missing before
// each one. A first packet of any number (0, 1, random) starts the count; a duplicate or a packet from the past
// is reported as such so the caller drops it.
class SequenceTracker {
 public:
  struct Step {
    uint32_t lost = 0;   // packets missing right before this one
    bool stale = false;  // a duplicate or an old packet: drop it
  };
  Step next(uint16_t sequence) noexcept;
  void reset() noexcept { started_ = false; }

 private:
  bool started_ = false;
  uint16_t last_ = 0;
};

// 32-bit RTP timestamps to a 64-bit count that keeps going across wraps (and steps back by a signed 32-bit
// difference when the camera's clock does).
class TimestampUnwrapper {
 public:
  int64_t unwrap(uint32_t ts) noexcept;
  // The 64-bit value `ts` would have next to the last one, without moving the unwrapper.
  int64_t peek(uint32_t ts) const noexcept;
  bool started() const noexcept { return started_; }

 private:
  bool started_ = false;
  uint32_t last_ = 0;
  int64_t extended_ = 0;
};

}  // namespace zc::ingest

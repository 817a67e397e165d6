// RTP over UDP arrives out of order now and then. A small buffer per track holds packets that came early, so a
// packet a few places late still finds its place; once a packet arrives kSlots or more places ahead of a hole,
// the hole is given up. Packets come out in sequence order (with holes where some were given up: the sequence
// numbers then show the loss). Early packets are copied (UDP datagrams are read into a buffer reused at once).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace zc::ingest {

class ReorderBuffer {
 public:
  static constexpr size_t kSlots = 16;
  // A packet this far ahead is a restarted sequence, not a hole to wait for (RFC 3550's MAX_DROPOUT).
  static constexpr int kMaxDropout = 3000;
  using Deliver = std::function<void(std::span<const uint8_t>)>;

  // Takes one packet (its whole RTP bytes) and calls deliver() for every packet now in order. Duplicates and
  // packets older than the last one delivered are dropped.
  void push(uint16_t sequence, std::span<const uint8_t> rtp, const Deliver& deliver);
  void reset();

 private:
  struct Slot {
    bool used = false;
    uint16_t sequence = 0;
    std::vector<uint8_t> bytes;
  };
  void drain(const Deliver& deliver);
  bool started_ = false;
  uint16_t next_ = 0;  // the sequence number delivered next
  std::array<Slot, kSlots> slots_;
  size_t waiting_ = 0;
};

}  // namespace zc::ingest

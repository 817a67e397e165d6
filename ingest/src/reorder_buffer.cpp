#include <zc/ingest/reorder_buffer.h>

#include <cstdint>

namespace zc::ingest {

void ReorderBuffer::reset() {
  started_ = false;
  for (Slot& s : slots_) s.used = false;
  waiting_ = 0;
}

void ReorderBuffer::drain(const Deliver& deliver) {
  while (waiting_ > 0) {
    Slot& s = slots_[next_ % kSlots];
    if (!s.used || s.sequence != next_) return;
    s.used = false;
    --waiting_;
    ++next_;
    deliver(s.bytes);
  }
}

void ReorderBuffer::push(uint16_t sequence, std::span<const uint8_t> rtp, const Deliver& deliver) {
  if (!started_) {
    started_ = true;
    next_ = sequence;
  }
  const auto ahead = static_cast<int16_t>(static_cast<uint16_t>(sequence - next_));
  // Late beyond repair, a duplicate of one delivered, or exactly half the sequence space from the last one
  // delivered (neither before nor after it).
  if (ahead < 0 || ahead == INT16_MAX) return;
  if (ahead > kMaxDropout) {
    // Not a hole but a sender that restarted its sequence (RFC 3550 A.1): hand out what waits, in order, and
    // continue from this packet.
    for (size_t i = 0; i < kSlots && waiting_ > 0; ++i) {
      Slot& s = slots_[(next_ + i) % kSlots];
      if (s.used) {
        s.used = false;
        --waiting_;
        deliver(s.bytes);
      }
    }
    waiting_ = 0;
    next_ = static_cast<uint16_t>(sequence + 1);
    deliver(rtp);
    return;
  }
  if (ahead == 0 && waiting_ == 0) {  // the usual case: in order, nothing waiting, no copy
    ++next_;
    deliver(rtp);
    return;
  }
  if (static_cast<size_t>(ahead) >= kSlots) {
    // Too far ahead to keep waiting for the hole: deliver what came up to where this packet fits.
    const auto new_next = static_cast<uint16_t>(sequence - (kSlots - 1));
    while (next_ != new_next) {
      Slot& s = slots_[next_ % kSlots];
      ++next_;
      if (s.used && static_cast<uint16_t>(s.sequence + 1) == next_) {
        s.used = false;
        --waiting_;
        deliver(s.bytes);
      }
    }
    drain(deliver);
  }
  Slot& slot = slots_[sequence % kSlots];
  if (slot.used && slot.sequence == sequence) return;  // duplicate
  if (!slot.used) ++waiting_;
  slot.used = true;
  slot.sequence = sequence;
  slot.bytes.assign(rtp.begin(), rtp.end());
  drain(deliver);
}

}  // namespace zc::ingest

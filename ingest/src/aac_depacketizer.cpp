#include "aac_depacketizer.h"

#include <algorithm>

namespace zc::ingest {

namespace {

// Reads bits MSB first; 0 past the end (the caller checks the lengths first).
class Bits {
 public:
  explicit Bits(std::span<const uint8_t> b) : b_(b) {}
  uint32_t take(int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i, ++pos_) {
      const size_t byte = pos_ / 8;
      const uint32_t bit = byte < b_.size() ? (b_[byte] >> (7 - pos_ % 8)) & 1 : 0;
      v = (v << 1) | bit;
    }
    return v;
  }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

}  // namespace

AacDepacketizer::AacDepacketizer(int size_length, int index_length, int index_delta_length, int64_t frame_samples)
    : size_length_(size_length),
      index_length_(index_length),
      index_delta_length_(index_delta_length),
      frame_samples_(frame_samples) {}

void AacDepacketizer::lost() {
  if (in_fragment_) fragment_.damaged = true;
}

void AacDepacketizer::push(const RtpPacket& p, int64_t timestamp, std::vector<AccessUnit>& out) {
  const std::span<const uint8_t> b = p.payload;
  if (b.size() < 2 || size_length_ <= 0 || size_length_ > 32) return;
  const size_t header_bits = (static_cast<size_t>(b[0]) << 8) | b[1];
  const size_t header_bytes = (header_bits + 7) / 8;
  if (2 + header_bytes > b.size()) return;
  Bits bits(b.subspan(2, header_bytes));
  const size_t first_bits = static_cast<size_t>(size_length_ + index_length_);
  const size_t next_bits = static_cast<size_t>(size_length_ + index_delta_length_);
  std::span<const uint8_t> data = b.subspan(2 + header_bytes);
  if (header_bits < first_bits) return;
  const size_t count = 1 + (header_bits - first_bits) / std::max<size_t>(next_bits, 1);

  if (in_fragment_ && (count != 1 || timestamp != fragment_.timestamp)) {
    // A new access unit while the last one misses pieces: that one is incomplete.
    in_fragment_ = false;
  }
  for (size_t i = 0; i < count; ++i) {
    const size_t size = bits.take(size_length_);
    bits.take(i == 0 ? index_length_ : index_delta_length_);
    if (count == 1 && (size > data.size() || in_fragment_)) {
      // One access unit in several packets: pieces until the marker.
      if (!in_fragment_) {
        fragment_ = AccessUnit{};
        fragment_.data = pool_.take();
        fragment_.timestamp = timestamp;
        fragment_.keyframe = true;
        fragment_size_ = size;
        in_fragment_ = true;
      }
      fragment_.data.insert(fragment_.data.end(), data.begin(), data.end());
      if (p.marker) {
        in_fragment_ = false;
        if (fragment_.data.empty()) return;
        if (fragment_.data.size() != fragment_size_) fragment_.damaged = true;
        out.push_back(std::move(fragment_));
      }
      return;
    }
    if (size > data.size()) return;  // a truncated packet: what remains is lost
    if (size == 0) continue;          // an empty access unit carries nothing to hand out
    AccessUnit au;
    au.timestamp = timestamp + static_cast<int64_t>(i) * frame_samples_;
    au.data = pool_.take();
    au.data.assign(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(size));
    au.keyframe = true;
    out.push_back(std::move(au));
    data = data.subspan(size);
  }
}

}  // namespace zc::ingest

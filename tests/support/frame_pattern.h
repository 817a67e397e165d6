// Payloads that are a pure function of the frame's sequence number, so that any reader in any process can
// prove a frame is neither torn, stale, nor someone else's: size and every byte follow from `seq`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace zc::test {

inline uint64_t pattern_mix(uint64_t x) noexcept {  // splitmix64 finaliser
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

inline uint32_t pattern_size(uint64_t seq, uint32_t min_bytes, uint32_t max_bytes) noexcept {
  if (max_bytes <= min_bytes) return min_bytes;
  return min_bytes + static_cast<uint32_t>(pattern_mix(seq ^ 0x5A5A5A5AULL) % (max_bytes - min_bytes + 1));
}

// Word i of the payload of frame `seq`. Word 0 is the sequence number itself, which makes a misdelivered
// frame easy to name in a failure message.
inline uint64_t pattern_word(uint64_t seq, uint64_t i) noexcept {
  return i == 0 ? seq : pattern_mix(seq * 0x100000001B3ULL + i);
}

inline void fill_pattern(uint64_t seq, std::span<std::byte> out) noexcept {
  size_t i = 0;
  for (; (i + 1) * 8 <= out.size(); ++i) {
    const uint64_t w = pattern_word(seq, i);
    std::memcpy(out.data() + i * 8, &w, 8);
  }
  if (i * 8 < out.size()) {
    const uint64_t w = pattern_word(seq, i);
    std::memcpy(out.data() + i * 8, &w, out.size() - i * 8);
  }
}

inline bool check_pattern(uint64_t seq, std::span<const std::byte> in) noexcept {
  size_t i = 0;
  for (; (i + 1) * 8 <= in.size(); ++i) {
    uint64_t w;
    std::memcpy(&w, in.data() + i * 8, 8);
    if (w != pattern_word(seq, i)) return false;
  }
  if (i * 8 < in.size()) {
    const uint64_t expect = pattern_word(seq, i);
    if (std::memcmp(in.data() + i * 8, &expect, in.size() - i * 8) != 0) return false;
  }
  return true;
}

}  // namespace zc::test

// Walking the NAL units of an Annex-B buffer: the one start-code scanner behind zc::media's NAL splitting and the
// recorder's conversion to MP4 samples. Header-only, so zc::recorder uses it without linking zc::media.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace zc::media::annexb {

inline constexpr size_t kNoStartCode = SIZE_MAX;

// Index of the first byte after the next 00 00 01 at or after `from`, or kNoStartCode when there is none (a
// start code that ends the buffer is still one: its index is then the size). memchr finds the 01 at vector
// speed; compressed data holds a 01 byte about once in 256, so few candidates need a look.
inline size_t next_start(std::span<const uint8_t> b, size_t from) noexcept {
  size_t i = from + 2;
  while (i < b.size()) {
    const auto* one = static_cast<const uint8_t*>(std::memchr(b.data() + i, 1, b.size() - i));
    if (one == nullptr) return kNoStartCode;
    i = static_cast<size_t>(one - b.data());
    if (b[i - 1] == 0 && b[i - 2] == 0) return i + 1;
    ++i;
  }
  return kNoStartCode;
}

// Calls on_nal(nal) for every NAL unit in order, without its start code and without the zero bytes in front of
// the next one (a NAL unit never ends in a zero byte: rbsp_trailing_bits end with a one bit, cabac_zero_words
// carry 03). Bytes before the first start code are ignored, as libavformat does.
template <class OnNal>
void for_each_nal(std::span<const uint8_t> b, OnNal&& on_nal) {
  size_t begin = next_start(b, 0);
  while (begin < b.size()) {
    const size_t next = next_start(b, begin);
    size_t end = next == kNoStartCode ? b.size() : next - 3;
    while (end > begin && b[end - 1] == 0) --end;
    if (end > begin) on_nal(b.subspan(begin, end - begin));
    if (next == kNoStartCode) break;
    begin = next;
  }
}

// True when the buffer starts with a start code (00 00 01 or 00 00 00 01).
inline bool starts_with_start_code(std::span<const uint8_t> b) noexcept {
  if (b.size() >= 3 && b[0] == 0 && b[1] == 0 && b[2] == 1) return true;
  return b.size() >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 1;
}

}  // namespace zc::media::annexb

// Cuts a raw Annex-B byte stream (H.264 or H.265) into access units without parsing the payload: it finds start
// codes with the vectorised scanner (annexb_scan.h) and reads only each NAL unit's header and, for a slice, the
// first bit of its slice header. An access unit ends (H.264 7.4.1.2.3, H.265 7.4.2.4.4) where, after a picture's
// slices, comes an access unit delimiter, a parameter set, a prefix SEI or another NAL type that may only open an
// access unit, or the first slice of the next picture (H.264 first_mb_in_slice == 0, H.265
// first_slice_segment_in_pic_flag). docs/ingest.md ("Raw H.264/H.265 pipes") lists where this and libavcodec's
// parser could differ; on conforming streams they cut at the same byte:
//  - the cut is in front of the start code of the NAL unit that opens the next access unit, a 4-byte start code
//    (00 00 00 01) included for H.264, only its last three bytes for H.265 — byte for byte where libavformat's
//    h264 and hevc parsers cut, so both paths hand out the same access units;
//  - bytes before the first start code belong to the first access unit, and everything after the last boundary
//    is the last one (finish()), as with libavformat.
#pragma once

#include <zc/fifo/frame.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace zc::media {

class AccessUnitSplitter {
 public:
  // An access unit that grows past `max_access_unit_bytes` without a boundary (garbage without start codes, or
  // a stream that never starts a new picture) is handed out as it is at that size, so that memory stays bounded;
  // the reader downstream drops it as too large for the ring.
  explicit AccessUnitSplitter(fifo::Codec codec, size_t max_access_unit_bytes = kDefaultMaxAccessUnitBytes);

  static constexpr size_t kDefaultMaxAccessUnitBytes = 64u << 20;

  // Room for at least `min_bytes` more bytes at the end of the stream buffer: read(2) into it, then commit().
  std::span<uint8_t> space(size_t min_bytes);
  void commit(size_t bytes);
  // Appends a copy of `bytes` (space() + commit() in one).
  void append(std::span<const uint8_t> bytes);

  // Moves the next complete access unit into `au` (replacing its contents); false when more bytes are needed.
  bool next(std::vector<uint8_t>& au);
  // At the end of the stream: the rest as the last access unit; false when nothing is left.
  bool finish(std::vector<uint8_t>& au);

  // Bytes held that no access unit has taken yet.
  size_t pending_bytes() const noexcept { return end_ - au_begin_; }

 private:
  void emit(size_t cut, std::vector<uint8_t>& au);

  fifo::Codec codec_;
  size_t max_au_;
  std::vector<uint8_t> buf_;  // [au_begin_, end_) is live; the vector's size is its capacity
  size_t au_begin_ = 0;       // where the access unit being assembled starts
  size_t end_ = 0;            // bytes written
  size_t scan_ = 0;           // where the search for the next start code resumes (the first 00 it may begin at)
  bool has_picture_ = false;  // the access unit being assembled holds a slice of a picture
};

}  // namespace zc::media

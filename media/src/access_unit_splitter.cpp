#include "access_unit_splitter.h"

#include <zc/media/annexb_scan.h>

#include <algorithm>
#include <cstring>

namespace zc::media {

namespace {

constexpr size_t kInitialBytes = 256 * 1024;

enum class Role {
  other,          // stays in the access unit it comes in (SPS extension, filler, end of sequence, suffix SEI, ...)
  opens_unit,     // may only be the first of its kind in an access unit: after a picture, it starts the next one
  picture_start,  // the first slice of a picture
  slice,          // a later slice (or data partition) of a picture
};

// H.264 Table 7-1: 1, 2, 5 carry a slice header that begins with first_mb_in_slice, ue(v): a leading one bit is
// the value 0. 3 and 4 (data partitions B and C) only follow partition A.
Role h264_role(const uint8_t* nal) {
  const int type = nal[0] & 0x1F;
  if (type == 1 || type == 2 || type == 5) return (nal[1] & 0x80) != 0 ? Role::picture_start : Role::slice;
  if (type == 3 || type == 4) return Role::slice;
  if ((type >= 6 && type <= 9) || (type >= 14 && type <= 18)) return Role::opens_unit;
  return Role::other;
}

// H.265 Table 7-1: VCL types 0-31, whose slice segment header begins with first_slice_segment_in_pic_flag right
// after the 2-byte NAL header. End of sequence/bitstream (36, 37) close an access unit rather than open one.
Role h265_role(const uint8_t* nal) {
  const int type = (nal[0] >> 1) & 0x3F;
  if (type <= 31) return (nal[2] & 0x80) != 0 ? Role::picture_start : Role::slice;
  if ((type >= 32 && type <= 35) || type == 39 || (type >= 41 && type <= 44) || (type >= 48 && type <= 55))
    return Role::opens_unit;
  return Role::other;
}

}  // namespace

AccessUnitSplitter::AccessUnitSplitter(fifo::Codec codec, size_t max_access_unit_bytes)
    : codec_(codec), max_au_(std::max<size_t>(max_access_unit_bytes, 1)) {}

std::span<uint8_t> AccessUnitSplitter::space(size_t min_bytes) {
  if (buf_.size() - end_ < min_bytes && au_begin_ > 0) {
    // What the access units handed out leave is at most one access unit and a piece: moving it is cheap, and
    // happens once per buffer's worth of stream.
    std::memmove(buf_.data(), buf_.data() + au_begin_, end_ - au_begin_);
    end_ -= au_begin_;
    scan_ -= au_begin_;
    au_begin_ = 0;
  }
  if (buf_.size() - end_ < min_bytes) buf_.resize(std::max({buf_.size() * 2, end_ + min_bytes, kInitialBytes}));
  return {buf_.data() + end_, buf_.size() - end_};
}

void AccessUnitSplitter::commit(size_t bytes) { end_ += std::min(bytes, buf_.size() - end_); }

void AccessUnitSplitter::append(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  std::memcpy(space(bytes.size()).data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

void AccessUnitSplitter::emit(size_t cut, std::vector<uint8_t>& au) {
  au.assign(buf_.begin() + static_cast<ptrdiff_t>(au_begin_), buf_.begin() + static_cast<ptrdiff_t>(cut));
  au_begin_ = cut;
}

bool AccessUnitSplitter::next(std::vector<uint8_t>& au) {
  const std::span<const uint8_t> b(buf_.data(), end_);
  // The NAL header, and for a slice the first byte of its header.
  const size_t look = codec_ == fifo::Codec::h264 ? 2 : 3;
  for (;;) {
    const size_t h = annexb::next_start(b, scan_);
    if (h == annexb::kNoStartCode || h + look > end_) {
      // Resume where a start code may begin that the next bytes complete.
      if (h != annexb::kNoStartCode) scan_ = h - 3;
      else if (end_ >= au_begin_ + 2) scan_ = std::max(scan_, end_ - 2);
      if (pending_bytes() <= max_au_) return false;
      emit(end_, au);
      scan_ = end_;
      has_picture_ = false;
      return true;
    }
    scan_ = h;
    const Role role = codec_ == fifo::Codec::h264 ? h264_role(b.data() + h) : h265_role(b.data() + h);
    const bool cut = has_picture_ && (role == Role::opens_unit || role == Role::picture_start);
    if (role == Role::picture_start || (role == Role::slice && codec_ == fifo::Codec::h264)) {
      // An H.265 picture begins with its first slice segment; libavcodec's parser ignores the dependent ones
      // before it (a stream cut in the middle of a picture), and so does this.
      has_picture_ = true;
    } else if (role == Role::opens_unit) {
      has_picture_ = false;
    }
    if (!cut) continue;
    size_t at = h - 3;
    // H.264: a zero in front of 00 00 01 is the 4-byte start code's, and goes with the next access unit.
    if (codec_ == fifo::Codec::h264 && at > au_begin_ && b[at - 1] == 0) --at;
    emit(at, au);
    return true;
  }
}

bool AccessUnitSplitter::finish(std::vector<uint8_t>& au) {
  if (au_begin_ == end_) return false;
  emit(end_, au);
  scan_ = end_;
  has_picture_ = false;
  return true;
}

}  // namespace zc::media

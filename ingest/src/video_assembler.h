// What the H.264 and H.265 depacketizers share: building one Annex-B access unit out of NAL units (whole or in
// fragments) and deciding where it ends (marker bit after a picture, or a new timestamp).
#pragma once

#include <zc/fifo/frame.h>
#include <zc/ingest/depacketizer.h>

#include <span>

namespace zc::ingest {

class VideoAssembler {
 public:
  VideoAssembler(fifo::Codec codec, BufferPool& pool) : codec_(codec), pool_(pool) {}

  // Every packet: begin() (a new timestamp ends the access unit in progress), NAL units, end().
  void begin(int64_t timestamp, std::vector<AccessUnit>& out);
  void end(bool marker, std::vector<AccessUnit>& out);
  // A whole NAL unit.
  void nal(std::span<const uint8_t> nal);
  // A fragmented NAL unit: its reconstructed header, then its pieces.
  void fragment_start(std::span<const uint8_t> header, std::span<const uint8_t> piece);
  void fragment_piece(std::span<const uint8_t> piece, bool last);
  // Something in the packet cannot be used (a truncated aggregate, an unknown packet type).
  void damage() { if (open_) au_.damaged = true; }
  void lost();
  bool open() const noexcept { return open_; }

 private:
  void finish(std::vector<AccessUnit>& out);
  void note_nal(size_t begin);  // looks at the NAL unit starting at data[begin] once it is complete

  fifo::Codec codec_;
  BufferPool& pool_;
  AccessUnit au_;
  bool open_ = false;
  bool has_picture_ = false;
  bool in_fragment_ = false;
  bool skipping_fragment_ = false;  // a fragmented NAL unit that is left out (see begins_access_unit())
  size_t fragment_begin_ = 0;
  bool damage_next_ = false;          // a loss before any packet of the next access unit
  bool damage_if_new_timestamp_ = false;  // a loss inside this one: the next one may have lost its head too
};

}  // namespace zc::ingest

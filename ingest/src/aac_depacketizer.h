// AAC over RTP as mpeg4-generic (RFC 3640), AAC-hbr and AAC-lbr: an AU-headers section (each header the size
// and index of one access unit), then the access units; one larger than a packet comes in fragments with the
// marker on the last. Each access unit is one raw_data_block, handed out without any header (the ring carries
// raw AAC; the AudioSpecificConfig is the SDP's config=).
#pragma once

#include <zc/ingest/depacketizer.h>

namespace zc::ingest {

class AacDepacketizer final : public Depacketizer {
 public:
  // size_length/index_length/index_delta_length in bits, from the fmtp (13/3/3 for AAC-hbr).
  AacDepacketizer(int size_length, int index_length, int index_delta_length, int64_t frame_samples);
  void push(const RtpPacket& packet, int64_t timestamp, std::vector<AccessUnit>& out) override;
  void lost() override;
  bool in_progress() const noexcept override { return in_fragment_; }

 private:
  int size_length_, index_length_, index_delta_length_;
  int64_t frame_samples_;
  // A fragmented access unit in progress.
  AccessUnit fragment_;
  size_t fragment_size_ = 0;
  bool in_fragment_ = false;
};

}  // namespace zc::ingest

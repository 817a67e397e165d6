// H.264 over RTP (RFC 6184), packetization modes 0 and 1: single NAL unit packets, STAP-A aggregates and FU-A
// fragments. STAP-B, MTAP and FU-B (interleaved mode 2, which no camera zcrec met uses) damage the access unit.
#pragma once

#include "video_assembler.h"

namespace zc::ingest {

class H264Depacketizer final : public Depacketizer {
 public:
  H264Depacketizer() : au_(fifo::Codec::h264, pool_) {}
  void push(const RtpPacket& packet, int64_t timestamp, std::vector<AccessUnit>& out) override;
  void lost() override { au_.lost(); }
  bool in_progress() const noexcept override { return au_.open(); }

 private:
  VideoAssembler au_;
};

}  // namespace zc::ingest

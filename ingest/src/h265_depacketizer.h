// H.265 over RTP (RFC 7798) without DONL (sprop-max-don-diff 0, what cameras send): single NAL unit packets,
// aggregation packets (type 48) and fragmentation units (type 49). PACI packets damage the access unit.
#pragma once

#include "video_assembler.h"

namespace zc::ingest {

class H265Depacketizer final : public Depacketizer {
 public:
  H265Depacketizer() : au_(fifo::Codec::h265, pool_) {}
  void push(const RtpPacket& packet, int64_t timestamp, std::vector<AccessUnit>& out) override;
  void lost() override { au_.lost(); }
  bool in_progress() const noexcept override { return au_.open(); }

 private:
  VideoAssembler au_;
};

}  // namespace zc::ingest

// G.711 A-law/mu-law over RTP (RFC 3551, payload types 8 and 0): every packet's payload is one access unit.
#pragma once

#include <zc/ingest/depacketizer.h>

namespace zc::ingest {

class G711Depacketizer final : public Depacketizer {
 public:
  void push(const RtpPacket& packet, int64_t timestamp, std::vector<AccessUnit>& out) override {
    if (packet.payload.empty()) return;
    AccessUnit au;
    au.timestamp = timestamp;
    au.data = pool_.take();
    au.data.assign(packet.payload.begin(), packet.payload.end());
    au.keyframe = true;
    out.push_back(std::move(au));
  }
  void lost() override {}  // each packet stands alone
};

}  // namespace zc::ingest

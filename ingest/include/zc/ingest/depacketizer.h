// From RTP payloads to access units, as the ring carries them: H.264/H.265 in Annex-B with 4-byte start codes
// (as libavformat's RTP demuxer writes them), one AAC raw data block or one G.711 packet per access unit.
//
// Video access units end on the RTP marker bit of a packet that completes a picture, or when the timestamp
// changes (a camera that drops the marker, or sets it on a packet of SEI alone, still gives whole pictures).
// Only NAL headers are read, never the payload beyond them. Lost packets (the caller sees the sequence gap) mark
// the access unit they damage: it is still handed out, flagged, and the caller drops it.
#pragma once

#include <zc/fifo/frame.h>
#include <zc/ingest/rtp.h>
#include <zc/ingest/sdp.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace zc::ingest {

struct AccessUnit {
  int64_t timestamp = 0;        // the unwrapped RTP timestamp of its packets (the track's clock)
  std::vector<uint8_t> data;    // Annex-B for video
  bool keyframe = false;        // video: an IDR (H.264) or IRAP (H.265) picture; audio: always
  bool damaged = false;         // packets of it were lost: it must not be written as a clean frame
  std::vector<uint8_t> parameter_sets;  // video: the VPS/SPS/PPS it carries in band, 4-byte start codes
};

// Buffers of access units already handed out, reused for the next ones: an access unit's bytes are copied once
// out of the packets anyway, and reusing the capacity saves a large allocation per frame.
class BufferPool {
 public:
  void put(std::vector<uint8_t>&& buffer) {
    if (buffer.capacity() > 0 && spare_.size() < 4) spare_.push_back(std::move(buffer));
  }
  std::vector<uint8_t> take() {
    if (spare_.empty()) return {};
    std::vector<uint8_t> b = std::move(spare_.back());
    spare_.pop_back();
    b.clear();
    return b;
  }

 private:
  std::vector<std::vector<uint8_t>> spare_;
};

class Depacketizer {
 public:
  virtual ~Depacketizer() = default;
  // One packet in sequence order, `timestamp` its unwrapped RTP timestamp; access units it completes are
  // appended to `out`.
  virtual void push(const RtpPacket& packet, int64_t timestamp, std::vector<AccessUnit>& out) = 0;
  // Packets were lost right before the next push().
  virtual void lost() = 0;
  // True while an access unit has begun and not ended: more of its packets are on their way.
  virtual bool in_progress() const noexcept { return false; }
  // The buffer of an access unit handed out, for a later one.
  void recycle(std::vector<uint8_t>&& buffer) { pool_.put(std::move(buffer)); }

 protected:
  BufferPool pool_;
};

// The depacketizer for a media section, or nullptr when zcrec does not carry its encoding.
// codec_of() says which codec that is (Codec::unknown when none).
fifo::Codec codec_of(const SdpMedia& media) noexcept;
std::unique_ptr<Depacketizer> make_depacketizer(const SdpMedia& media);

}  // namespace zc::ingest

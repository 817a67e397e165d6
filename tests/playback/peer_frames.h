// The numbered frames both sides of a playback-fifo test agree on: frame n has pts n*3000 and a payload that is
// a function of n, so a reader can check order and content without being told what was sent.
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>
#include <vector>

namespace zc::test {

inline fifo::StreamInfo peer_stream_info() {
  fifo::StreamInfo info;
  fifo::TrackInfo t;
  t.kind = fifo::MediaKind::video;
  t.codec = fifo::Codec::h264;
  t.time_base = {1, 90000};
  t.width = 640;
  t.height = 360;
  t.config = {0, 0, 0, 1, 0x67, 0x42, 0, 0x1e, 0, 0, 0, 1, 0x68, 0xce};
  info.tracks.push_back(t);
  return info;
}

inline fifo::FrameMeta peer_meta(uint64_t n) {
  fifo::FrameMeta m;
  m.flags = n % 10 == 0 ? fifo::frame_flag::keyframe : 0;
  m.pts = m.dts = static_cast<int64_t>(n) * 3000;
  m.wall_ns = 1'700'000'000'000'000'000 + static_cast<int64_t>(n) * 33'333'333;
  return m;
}

inline int64_t peer_index(const fifo::FrameHeader& h) { return h.pts / 3000; }

inline void peer_payload(uint64_t n, size_t bytes, std::vector<uint8_t>& out) {
  out.resize(bytes);
  for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>((n * 131 + i * 7 + (i >> 8)) & 0xff);
}

}  // namespace zc::test

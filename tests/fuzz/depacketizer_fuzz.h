// Shared by the depacketizer fuzz targets: the input is a run of RTP payloads, each behind a flags byte (bit 0:
// marker; bit 1: the timestamp moves on; bit 2: packets were lost before it) and a length byte. Contract for
// every access unit handed out: not empty; video is Annex-B behind 4-byte start codes and its parameter sets are
// parameter sets; timestamps never go back.
#pragma once

#include <zc/ingest/depacketizer.h>
#include <zc/media/annexb.h>

#include "fuzz_check.h"

namespace zc::fuzz {

inline void run_depacketizer(const ingest::SdpMedia& media, const uint8_t* data, size_t size) {
  auto d = ingest::make_depacketizer(media);
  ZC_FUZZ_CHECK(d != nullptr);
  const fifo::Codec codec = ingest::codec_of(media);
  const bool video = fifo::media_kind_of(codec) == fifo::MediaKind::video;
  Bytes in(data, size);
  std::vector<ingest::AccessUnit> out;
  int64_t ts = 0;
  while (!in.empty()) {
    const auto flags = in.take<uint8_t>();
    const size_t length = in.take<uint8_t>() * 8u + (flags >> 3);
    ingest::RtpPacket p;
    p.marker = (flags & 1) != 0;
    if ((flags & 2) != 0) ts += 3000;
    if ((flags & 4) != 0) d->lost();
    p.payload = in.take_bytes(length);
    d->push(p, ts, out);
  }
  int64_t last = INT64_MIN;
  for (auto& au : out) {
    ZC_FUZZ_CHECK(!au.data.empty());
    ZC_FUZZ_CHECK(au.timestamp >= last || !video);
    last = au.timestamp;
    if (video) {
      ZC_FUZZ_CHECK(au.data.size() >= 5 && au.data[0] == 0 && au.data[1] == 0 && au.data[2] == 0 && au.data[3] == 1);
      for (const auto nal : media::annexb::split(au.parameter_sets))
        ZC_FUZZ_CHECK(media::annexb::is_parameter_set(codec, nal));
    }
    d->recycle(std::move(au.data));
  }
}

}  // namespace zc::fuzz

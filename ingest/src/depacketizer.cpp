#include <zc/ingest/depacketizer.h>

#include "aac_depacketizer.h"
#include "g711_depacketizer.h"
#include "h264_depacketizer.h"
#include "h265_depacketizer.h"

#include <cctype>
#include <charconv>

namespace zc::ingest {

namespace {

int fmtp_int(const SdpMedia& m, const char* key, int fallback, int max = 32) {
  const auto it = m.fmtp.find(key);
  if (it == m.fmtp.end()) return fallback;
  int v = 0;
  const auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  return ec == std::errc() && v >= 0 && v <= max ? v : fallback;
}

}  // namespace

fifo::Codec codec_of(const SdpMedia& m) noexcept {
  if (m.encoding == "H264") return fifo::Codec::h264;
  if (m.encoding == "H265" || m.encoding == "HEVC") return fifo::Codec::h265;
  if (m.encoding == "PCMA") return fifo::Codec::pcm_alaw;
  if (m.encoding == "PCMU") return fifo::Codec::pcm_mulaw;
  if (m.encoding == "MPEG4-GENERIC") {
    const auto mode = m.fmtp.find("mode");
    if (mode == m.fmtp.end()) return fifo::Codec::unknown;
    std::string v = mode->second;
    for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (v == "aac-hbr" || v == "aac-lbr") return fifo::Codec::aac;
  }
  return fifo::Codec::unknown;
}

std::unique_ptr<Depacketizer> make_depacketizer(const SdpMedia& m) {
  switch (codec_of(m)) {
    case fifo::Codec::h264: return std::make_unique<H264Depacketizer>();
    case fifo::Codec::h265: return std::make_unique<H265Depacketizer>();
    case fifo::Codec::pcm_alaw:
    case fifo::Codec::pcm_mulaw: return std::make_unique<G711Depacketizer>();
    case fifo::Codec::aac: {
      const int size_length = fmtp_int(m, "sizelength", 13);
      const int index_length = fmtp_int(m, "indexlength", size_length == 6 ? 2 : 3);
      const int index_delta_length = fmtp_int(m, "indexdeltalength", index_length);
      const int frame = fmtp_int(m, "constantduration", 0, 1 << 20);
      return std::make_unique<AacDepacketizer>(size_length, index_length, index_delta_length, frame > 0 ? frame : 1024);
    }
    default: return nullptr;
  }
}

}  // namespace zc::ingest

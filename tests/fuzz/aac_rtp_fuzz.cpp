// The AAC (mpeg4-generic) depacketizer on arbitrary payloads, with the AU-header bit lengths of the fmtp taken
// from the first input bytes (contract: depacketizer_fuzz.h).
#include "depacketizer_fuzz.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  zc::fuzz::Bytes in(data, size);
  zc::ingest::SdpMedia m;
  m.encoding = "MPEG4-GENERIC";
  m.payload_type = 96;
  m.clock_rate = 48000;
  const auto lengths = in.take<uint8_t>();
  m.fmtp["mode"] = (lengths & 0x80) != 0 ? "AAC-lbr" : "AAC-hbr";
  m.fmtp["sizelength"] = std::to_string(lengths & 0x1F);
  m.fmtp["indexlength"] = std::to_string((lengths >> 5) & 3);
  m.fmtp["indexdeltalength"] = std::to_string((lengths >> 5) & 3);
  const auto rest = in.rest();
  zc::fuzz::run_depacketizer(m, rest.data(), rest.size());
  return 0;
}

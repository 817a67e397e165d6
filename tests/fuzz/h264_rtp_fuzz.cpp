// The H264 depacketizer (ingest/src/h264_depacketizer.cpp) on arbitrary payloads: single NAL units,
// aggregates and fragments in any order, truncated, with losses in between (contract: depacketizer_fuzz.h).
#include "depacketizer_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  zc::ingest::SdpMedia m;
  m.encoding = "H264";
  m.payload_type = 96;
  m.clock_rate = 90000;
  zc::fuzz::run_depacketizer(m, data, size);
  return 0;
}

// A DESCRIBE answer's SDP (zc/ingest/sdp.h) and what the client builds from it: the codec and depacketizer of
// each media section and its control URL. Contract: parse_sdp() returns media sections or throws
// IngestError(invalid_sdp); every codec_of() a depacketizer exists for gets one; control URLs resolve to
// rtsp:// URLs.
#include <zc/ingest/depacketizer.h>
#include <zc/ingest/error.h>
#include <zc/ingest/rtsp_url.h>
#include <zc/ingest/sdp.h>

#include "fuzz_check.h"

using namespace zc::ingest;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Sdp sdp;
  try {
    sdp = parse_sdp(text);
  } catch (const IngestError& e) {
    ZC_FUZZ_CHECK(e.code() == IngestErrc::invalid_sdp);
    return 0;
  }
  ZC_FUZZ_CHECK(!sdp.media.empty());
  for (const SdpMedia& m : sdp.media) {
    const auto codec = codec_of(m);
    const auto d = make_depacketizer(m);
    ZC_FUZZ_CHECK((codec == zc::fifo::Codec::unknown) == (d == nullptr));
    const std::string url = resolve_control("rtsp://cam/stream", m.control);
    ZC_FUZZ_CHECK(url.find("://") != std::string::npos);
    try {
      (void)parse_rtsp_url(url);
    } catch (const IngestError& e) {
      ZC_FUZZ_CHECK(e.code() == IngestErrc::invalid_url);
    }
  }
  return 0;
}

// What a camera sends on the RTSP control connection: responses, its own requests and interleaved frames
// (zc/ingest/rtsp_message.h), and the headers the client reads out of them (Session, Transport, a 401's
// WWW-Authenticate). Contract: parse_rtsp() either needs more bytes, consumes a message or frame that lies inside
// the input, or throws IngestError — never anything else; a frame's payload lies inside the input, and
// parse_interleaved() (the media path's parse) finds exactly the frames parse_rtsp() finds.
#include <zc/ingest/error.h>
#include <zc/ingest/rtsp_auth.h>
#include <zc/ingest/rtsp_message.h>

#include "fuzz_check.h"

using namespace zc::ingest;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> rest(data, size);
  for (int i = 0; i < 64 && !rest.empty(); ++i) {
    Parsed p;
    try {
      p = parse_rtsp(rest);
    } catch (const IngestError& e) {
      ZC_FUZZ_CHECK(e.code() == IngestErrc::protocol);
      return 0;
    }
    if (rest[0] == '$') {  // the media path's own parse agrees with parse_rtsp's
      const auto f = parse_interleaved(rest);
      ZC_FUZZ_CHECK(f.has_value() == (p.kind == Parsed::Kind::interleaved));
      if (f) ZC_FUZZ_CHECK(f->consumed == p.consumed && f->channel == p.channel && f->payload.data() == p.payload.data() &&
                           f->payload.size() == p.payload.size());
    }
    if (p.kind == Parsed::Kind::need_more) return 0;
    ZC_FUZZ_CHECK(p.consumed > 0 && p.consumed <= rest.size());
    if (p.kind == Parsed::Kind::interleaved) {
      ZC_FUZZ_CHECK(p.payload.data() >= rest.data() && p.payload.data() + p.payload.size() <= rest.data() + rest.size());
    } else {
      ZC_FUZZ_CHECK(p.message.body.size() <= kMaxBodyBytes);
      (void)p.message.cseq();
      if (const std::string* s = p.message.header("Session")) {
        const SessionHeader h = parse_session_header(*s);
        ZC_FUZZ_CHECK(h.timeout_s > 0);
      }
      if (const std::string* t = p.message.header("Transport")) (void)parse_transport_header(*t);
      RtspAuth auth("user", "password");
      if (auth.challenge(p.message.all("WWW-Authenticate"))) {
        const std::string a = auth.authorization("DESCRIBE", "rtsp://cam/s");
        ZC_FUZZ_CHECK(!a.empty());
      }
    }
    rest = rest.subspan(p.consumed);
  }
  return 0;
}

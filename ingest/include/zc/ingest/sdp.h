// The parts of a DESCRIBE answer's SDP (RFC 4566) an RTSP client needs: per media section its payload type,
// encoding and clock rate (rtpmap, or the static types 0/8 of RFC 3551), its fmtp parameters (where H.264/H.265
// parameter sets and the AAC configuration live) and its control URL.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace zc::ingest {

struct SdpMedia {
  std::string kind;          // "video", "audio", "application", ...
  int payload_type = -1;     // the first payload type of the m= line
  std::string encoding;      // upper-cased: "H264", "H265", "MPEG4-GENERIC", "PCMA", "PCMU", ...
  uint32_t clock_rate = 0;   // Hz
  uint32_t channels = 1;     // audio
  std::map<std::string, std::string> fmtp;  // keys lower-cased, values as sent
  std::string control;       // as sent; resolve with resolve_control()
};

struct Sdp {
  std::string control;  // session-level a=control, if any
  std::vector<SdpMedia> media;
};

// Throws IngestError(invalid_sdp) when the text is not an SDP (no m= line, no v= first line).
Sdp parse_sdp(std::string_view text);

}  // namespace zc::ingest

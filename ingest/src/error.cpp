#include <zc/ingest/error.h>

namespace zc::ingest {

const char* to_string(IngestErrc code) noexcept {
  switch (code) {
    case IngestErrc::invalid_url: return "invalid_url";
    case IngestErrc::connect_failed: return "connect_failed";
    case IngestErrc::auth_failed: return "auth_failed";
    case IngestErrc::rtsp_status: return "rtsp_status";
    case IngestErrc::protocol: return "protocol";
    case IngestErrc::invalid_sdp: return "invalid_sdp";
    case IngestErrc::unsupported: return "unsupported";
    case IngestErrc::timeout: return "timeout";
    case IngestErrc::closed: return "closed";
    case IngestErrc::interrupted: return "interrupted";
    case IngestErrc::io: return "io";
  }
  return "unknown";
}

}  // namespace zc::ingest

// Errors of the native RTSP client. Each names what went wrong so that a caller (LiveSource, `zcrec feed`) can
// tell a camera that refuses the credentials from one that is down or one that speaks a broken protocol.
#pragma once

#include <stdexcept>
#include <string>

namespace zc::ingest {

enum class IngestErrc {
  invalid_url,     // not rtsp://host[:port]/path, or a scheme the client does not speak (rtsps)
  connect_failed,  // the TCP connection (or a UDP port pair) could not be set up
  auth_failed,     // 401 with the credentials given, or 401 without credentials
  rtsp_status,     // any other non-2xx answer (404, 454, 461, ...)
  protocol,        // a response or interleaved frame that cannot be parsed
  invalid_sdp,     // DESCRIBE's SDP cannot be parsed
  unsupported,     // no track zcrec carries (H.264, H.265, AAC, G.711), or a transport the camera refuses
  timeout,         // no answer within the request timeout
  closed,          // the camera closed the connection
  interrupted,     // the caller's interrupt hook asked to stop (stop request, read timeout)
  io,              // a socket error
};

const char* to_string(IngestErrc code) noexcept;

class IngestError : public std::runtime_error {
 public:
  IngestError(IngestErrc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  IngestErrc code() const noexcept { return code_; }

 private:
  IngestErrc code_;
};

}  // namespace zc::ingest

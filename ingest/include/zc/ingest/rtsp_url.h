// rtsp:// addresses: the parts the client needs (host, port, credentials kept apart from the URL it sends), and
// how a track's control attribute resolves against the session's base URL (RFC 2326 C.1.1, plus what cameras do:
// a Content-Base without a scheme, relative controls without a trailing slash on the base).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zc::ingest {

struct RtspUrl {
  std::string host;   // without brackets for IPv6
  uint16_t port = 554;
  std::string user, password;  // percent-decoded; empty when the URL has none
  std::string request_url;     // rtsp://host[:port]/path?query: what goes into requests (no credentials)
};

// Throws IngestError(invalid_url) for anything but rtsp://[user[:password]@]host[:port][/path].
RtspUrl parse_rtsp_url(std::string_view url);

// The absolute URL of `control` against `base` (Content-Base, Content-Location or the request URL):
// "*" or empty: the base; an absolute rtsp:// URL: itself; "host:port/path" (a Content-Base some cameras send
// without its scheme): rtsp:// prepended; anything else is relative and joins the base with one '/'.
std::string resolve_control(std::string_view base, std::string_view control);

}  // namespace zc::ingest

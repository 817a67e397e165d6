// One log line per HTTP request (zcrecd's log, info), written when the request arrives rather than when its
// response ends: a live view or a clip streams for minutes, and an operator (or the browser test) must see a
// player's seek — a range request — when it happens. Every client byte in it is escaped, and the values of
// credential-like query parameters are redacted.
#pragma once

#include "http_message.h"

#include <string>
#include <string_view>

namespace zc::service::http {

// "http: 127.0.0.1 GET /api/v1/cameras/a/clip.mp4?from=... range=bytes=1000-"
std::string access_log_line(const Request& req);

// `s` with every byte outside printable ASCII (and '\\') written as \xNN: a log line cannot be split, forged or
// made invalid UTF-8 by what a client sends. At most max_bytes of `s` are kept ("..." marks the cut).
std::string escape_for_log(std::string_view s, std::size_t max_bytes = 2048);

// Whether a query parameter of this name carries a secret (token, password, key, ...): its value never goes
// into a log line.
bool is_credential_name(std::string_view name);

// The target with the values of credential-like query parameters replaced by "REDACTED".
std::string redacted_target(std::string_view target);

}  // namespace zc::service::http

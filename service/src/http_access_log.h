// One log line per HTTP request (zcrecd's log, info), written when the request arrives rather than when its
// response ends: a live view or a clip streams for minutes, and an operator (or the browser test) must see a
// player's seek — a range request — when it happens.
#pragma once

#include <httplib.h>

#include <string>

namespace zc::service::http {

// "http: 127.0.0.1 GET /api/v1/cameras/a/clip.mp4?from=... range=bytes=1000-"
std::string access_log_line(const httplib::Request& req);

}  // namespace zc::service::http

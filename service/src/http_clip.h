// GET /api/v1/cameras/{name}/clip.mp4?from=T&to=T[&download=1]: a virtual MP4 of a time range
// (zc::playback::ClipMp4) streamed with its length known, byte ranges, ETag/If-Range (docs/playback.md, HTTP).
#pragma once

#include <zc/service/service.h>

#include <httplib.h>

namespace zc::service::http {

void register_clip_routes(httplib::Server& server, Service& service);

}  // namespace zc::service::http

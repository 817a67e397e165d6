// GET /api/v1/cameras/{name}/clip.mp4?from=T&to=T[&download=1]: a virtual MP4 of a time range
// (zc::playback::ClipMp4) streamed with its length known, byte ranges, ETag/If-Range (docs/playback.md, HTTP).
// GET /api/v1/events/{id}/clip.mp4[?download=1]: the same for an event's span with its pre- and post-roll.
#pragma once

#include <zc/service/service.h>

#include "http_router.h"

namespace zc::service::http {

void register_clip_routes(Router& router, Service& service);

}  // namespace zc::service::http

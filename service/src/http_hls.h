// HLS for Safari and iPhones (docs/web.md, "HLS"): GET /api/v1/cameras/{name}/live.m3u8, and the
// initialisation and media segments it lists under /api/v1/cameras/{name}/hls/ (init-G.mp4, N.m4s).
// A camera's segmenter (recorder::LiveHls over a keyframe-woken ring reader) starts at the first playlist
// request and ends kHlsIdle after the last request of any of its routes.
#pragma once

#include <zc/service/service.h>

#include "http_router.h"

#include <chrono>
#include <cstddef>

namespace zc::service::http {

inline constexpr std::size_t kHlsWindow = 6;  // segments (GOPs) listed and kept in memory per camera
inline constexpr std::chrono::seconds kHlsIdle{30};
// A first playlist waits for this many segments (a player needs a few to start), at most kHlsFirstWait.
inline constexpr std::size_t kHlsFirstSegments = 2;
inline constexpr std::chrono::seconds kHlsFirstWait{12};

void register_hls_routes(Router& router, Service& service);

}  // namespace zc::service::http

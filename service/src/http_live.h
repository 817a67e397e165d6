// GET /api/v1/cameras/{name}/live.mp4: the camera's ring as an endless fragmented MP4 over a chunked response,
// starting at the newest keyframe, which a <video> element plays as it is (docs/web.md, "Live view").
#pragma once

#include <zc/service/service.h>

#include "http_router.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace zc::service::http {

// Bytes muxed for a viewer and not yet taken by its connection. Past this the viewer is behind: frames are
// dropped up to the next keyframe that finds the queue within bounds, so a slow client costs at most this much memory (plus one
// fragment) and never holds up the camera's ingest (the ring's writer never waits for readers anyway).
inline constexpr std::size_t kLiveQueueBytes = 2u << 20;
// ... or when the oldest frame still queued was captured this long before the newest one: a live view more than
// this far behind jumps ahead instead of showing the past (a low-bitrate camera never fills the byte bound).
inline constexpr int64_t kLiveMaxLagNs = 2'000'000'000;
// Viewers at a time over all cameras: each holds one of the server's media workers for as long as it watches.
inline constexpr int kMaxLiveViewers = 4;

void register_live_routes(Router& router, Service& service, std::function<void(const std::string&)> log);

}  // namespace zc::service::http

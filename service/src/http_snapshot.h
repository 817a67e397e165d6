// Pictures (docs/web.md, "Pictures"):
//   GET /api/v1/cameras/{name}/snapshot.jpg[?at=TIME][&width=N]  the ring's newest keyframe, or with `at` the
//       recorded keyframe at or before that time, decoded and scaled into an N-pixel-wide box (default 1280);
//   GET /api/v1/events/{id}/thumbnail.jpg  the recorded keyframe at or before the event's start (its
//       start without pre-roll: when it happened, which a POST may put before its trigger), 320 wide,
//       kept in a bounded memory cache.
// Decoding is bounded: one picture at a time per camera and kMaxSnapshotDecodes over all cameras; a request waits
// for its turn at most 1 s, then is a 503. A decode runs on a media worker, never an API worker.
#pragma once

#include <zc/service/service.h>

#include "http_router.h"

namespace zc::service::http {

inline constexpr int kMaxSnapshotDecodes = 2;
inline constexpr int kThumbnailWidth = 320;
inline constexpr size_t kThumbnailCacheEntries = 512;  // ~10-20 KB each

void register_snapshot_routes(Router& router, Service& service);

}  // namespace zc::service::http

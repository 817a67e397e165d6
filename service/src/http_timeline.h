// GET /api/v1/cameras/{name}/timeline?from=T&to=T: what the catalog holds for a camera over a range — footage
// (segments merged into continuous spans), gap rows, events and clock jumps — for a timeline view
// (docs/playback.md, HTTP). Reads only the catalog's indexes, never a media file.
#pragma once

#include <zc/catalog/catalog.h>
#include <zc/service/service.h>

#include "http_router.h"

#include <nlohmann/json.hpp>

namespace zc::service::http {

// The longest range one request may ask for: a week holds ~10k one-minute segments, a bounded answer.
inline constexpr int64_t kMaxTimelineRangeNs = 8LL * 24 * 3600 * 1'000'000'000;
// Segments closer than this (end to next start) are one span: the recorder starts a segment where the last ended.
inline constexpr int64_t kSpanJoinNs = 100'000'000;

// Times twice: RFC 3339 for people, integer milliseconds for scripts (ns would not survive a JavaScript number):
// j[key] and j[key + "_ms"].
void put_time(nlohmann::json& j, const char* key, int64_t wall_ns);

// A range route's `from`/`to` query (the only parameters it takes): default the last 24 hours, at most
// kMaxTimelineRangeNs. Throws HttpError(400) for anything else, a repeated or over-long value, to <= from.
struct WallRange {
  int64_t from_wall_ns = 0, to_wall_ns = 0;
};
// now_wall_ns: the service clock's wall time (the default range ends there; "-1h" and the like count from it).
WallRange parse_range_query(const Request& q, int64_t now_wall_ns);

// The timeline document of `stream` over [from, to) (shape in docs/playback.md).
nlohmann::json timeline_json(const catalog::Catalog& catalog, const std::string& stream, int64_t from_wall_ns,
                             int64_t to_wall_ns);

void register_timeline_routes(Router& router, Service& service);

}  // namespace zc::service::http

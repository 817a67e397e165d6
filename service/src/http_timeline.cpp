#include "http_timeline.h"

#include "catalog_pool.h"
#include "http_errors.h"
#include "http_request.h"

#include <zc/units/units.h>

#include <chrono>

namespace zc::service::http {

namespace {

}  // namespace

void put_time(nlohmann::json& j, const char* key, int64_t wall_ns) {
  j[key] = units::format_wall(wall_ns);
  j[std::string(key) + "_ms"] = wall_ns / 1'000'000;
}

WallRange parse_range_query(const Request& q, int64_t now_wall_ns) {
  for (const auto& [k, v] : q.query) {
    if (k != "from" && k != "to") throw HttpError(400, "unknown query parameter " + k);
    if (q.query.count(k) > 1) throw HttpError(400, "repeated query parameter " + k);
    if (v.size() > kMaxQueryValueBytes) throw HttpError(400, k + " is too long");
  }
  const int64_t now = now_wall_ns;
  // Default: the last 24 hours.
  const int64_t to = q.has_param("to") ? units::parse_time_ns(q.param("to"), now) : now;
  const int64_t from = q.has_param("from") ? units::parse_time_ns(q.param("from"), now) : to - 24LL * 3600 * 1'000'000'000;
  if (to <= from) throw HttpError(400, "to must be after from");
  if (to - from > kMaxTimelineRangeNs) throw HttpError(400, "the range is longer than 8 days");
  return {from, to};
}

nlohmann::json timeline_json(const catalog::Catalog& catalog, const std::string& stream, int64_t from_wall_ns,
                             int64_t to_wall_ns) {
  const catalog::TimeRange range{from_wall_ns, to_wall_ns};
  nlohmann::json spans = nlohmann::json::array();
  nlohmann::json span;
  int64_t span_end = 0;
  for (const auto& s : catalog.segments(stream, range)) {
    if (!span.is_null() && s.start_wall_ns <= span_end + kSpanJoinNs && s.video_codec == span["codec"] &&
        s.width == span["width"] && s.height == span["height"]) {
      span_end = std::max(span_end, s.end_wall_ns);
      span["segments"] = span["segments"].get<int64_t>() + 1;
      span["bytes"] = span["bytes"].get<int64_t>() + s.size_bytes;
      span["writing"] = span["writing"].get<bool>() || s.state == "writing";
      continue;
    }
    if (!span.is_null()) {
      put_time(span, "end", span_end);
      spans.push_back(std::move(span));
    }
    span = {{"segments", 1}, {"bytes", s.size_bytes}, {"codec", s.video_codec}, {"width", s.width},
            {"height", s.height}, {"writing", s.state == "writing"}};
    put_time(span, "start", s.start_wall_ns);
    span_end = s.end_wall_ns;
  }
  if (!span.is_null()) {
    put_time(span, "end", span_end);
    spans.push_back(std::move(span));
  }

  nlohmann::json gaps = nlohmann::json::array();
  for (const auto& g : catalog.gaps(stream, range)) {
    nlohmann::json j = {{"reason", g.reason}, {"frames_lost", g.frames_lost}};
    put_time(j, "start", g.start_wall_ns);
    put_time(j, "end", g.end_wall_ns);
    gaps.push_back(std::move(j));
  }

  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : catalog.events(stream, range)) {
    nlohmann::json j = {{"id", e.id}, {"label", e.label}, {"state", e.state}, {"preroll_ms", e.preroll_ns / 1'000'000},
                        {"postroll_ms", e.postroll_ns / 1'000'000}};
    j["score"] = e.score ? nlohmann::json(*e.score) : nlohmann::json();
    put_time(j, "start", e.start_wall_ns);
    if (e.end_wall_ns) put_time(j, "end", *e.end_wall_ns);
    else j["end"] = nullptr;
    events.push_back(std::move(j));
  }

  nlohmann::json jumps = nlohmann::json::array();
  for (const auto& c : catalog.clock_jumps(stream)) {
    if (c.anchored_wall_ns < from_wall_ns || c.anchored_wall_ns >= to_wall_ns) continue;
    nlohmann::json j = {{"jump_ms", c.jump_ns / 1'000'000}};
    put_time(j, "at", c.anchored_wall_ns);
    jumps.push_back(std::move(j));
  }

  nlohmann::json out = {{"recordings", std::move(spans)}, {"gaps", std::move(gaps)}, {"events", std::move(events)},
                        {"clock_jumps", std::move(jumps)}};
  put_time(out, "from", from_wall_ns);
  put_time(out, "to", to_wall_ns);
  return out;
}

void register_timeline_routes(Router& router, Service& service) {
  auto pool = std::make_shared<CatalogPool>();
  router.get(
      std::string("/api/v1/cameras/(") + kCameraNamePattern + ")/timeline",
      [&service, pool](const Request& q, Response& r) {
        const auto [from, to] = parse_range_query(q, service.clock().wall_ns());
        const auto config = service.config();
        // A retired camera's footage too (service.h: footage_stream); 404 for an unknown name.
        const std::string stream = service.footage_stream(q.matches[1]);
        const auto catalog = pool->take(config.storage_dir);
        reply_json(r, 200, dump_json(timeline_json(*catalog, stream, from, to)));
      },
      Pool::media);
}

}  // namespace zc::service::http

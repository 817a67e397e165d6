#include "http_cluster.h"

#include "http_errors.h"
#include "http_request.h"
#include "http_timeline.h"

#include <zc/units/units.h>

#include <nlohmann/json.hpp>

#include <chrono>

namespace zc::service::http {
namespace {

void put_time(nlohmann::json& j, const char* key, int64_t wall_ns) {
  j[key] = units::format_wall(wall_ns);
  j[std::string(key) + "_ms"] = wall_ns / 1'000'000;
}

}  // namespace

void register_cluster_routes(Router& router, Service& service) {
  router.get(
      "/api/v1/cluster/cameras",
      [&service](const Request& q, Response& r) {
        refuse_query(q.query);
        nlohmann::json items = nlohmann::json::array();
        for (const auto& c : service.cluster_cameras()) {
          nlohmann::json j = {{"camera", c.camera}, {"host", c.host}};
          put_time(j, "newest_end", c.newest_end_wall_ns);
          items.push_back(std::move(j));
        }
        reply_json(r, 200, dump_json({{"items", std::move(items)}}));
      },
      Pool::media);
  router.get(
      std::string("/api/v1/cluster/cameras/(") + kCameraNamePattern + ")/footage",
      [&service](const Request& q, Response& r) {
        for (const auto& [k, v] : q.query) {
          if (k != "from" && k != "to") throw HttpError(400, "unknown query parameter " + k);
          if (q.query.count(k) > 1) throw HttpError(400, "repeated query parameter " + k);
          if (v.size() > kMaxQueryValueBytes) throw HttpError(400, k + " is too long");
        }
        const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        const int64_t to = q.has_param("to") ? units::parse_time_ns(q.param("to"), now) : now;
        const int64_t from =
            q.has_param("from") ? units::parse_time_ns(q.param("from"), now) : to - 24LL * 3600 * 1'000'000'000;
        if (to <= from) throw HttpError(400, "to must be after from");
        if (to - from > kMaxTimelineRangeNs) throw HttpError(400, "the range is longer than 8 days");
        nlohmann::json items = nlohmann::json::array();
        for (const auto& f : service.cluster_footage(q.matches[1], from, to)) {
          nlohmann::json j = {{"host", f.host}, {"frames", f.frames}, {"bytes", f.bytes}, {"writing", f.writing}};
          put_time(j, "start", f.start_wall_ns);
          put_time(j, "end", f.end_wall_ns);
          items.push_back(std::move(j));
        }
        reply_json(r, 200, dump_json({{"items", std::move(items)}}));
      },
      Pool::media);
}

}  // namespace zc::service::http

#include "http_cluster.h"

#include "http_errors.h"
#include "http_request.h"
#include "http_timeline.h"

#include <nlohmann/json.hpp>


namespace zc::service::http {
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
        // The timeline's: the same defaults and bounds.
        const auto [from, to] = parse_range_query(q, service.clock().wall_ns());
        nlohmann::json items = nlohmann::json::array();
        for (const auto& f : service.cluster_footage(q.matches[1], from, to)) {
          nlohmann::json j = {{"host", f.host}, {"frames", f.frames}, {"bytes", f.bytes}, {"writing", f.writing}};
          j["epoch"] = f.lease_epoch ? nlohmann::json(*f.lease_epoch) : nlohmann::json(nullptr);
          put_time(j, "start", f.start_wall_ns);
          put_time(j, "end", f.end_wall_ns);
          items.push_back(std::move(j));
        }
        reply_json(r, 200, dump_json({{"items", std::move(items)}}));
      },
      Pool::media);
}

}  // namespace zc::service::http

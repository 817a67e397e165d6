#include "http_retired.h"

#include <zc/units/units.h>

namespace zc::service::http {

nlohmann::json retired_cameras_json(const std::vector<RetiredCamera>& retired) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : retired) {
    nlohmann::json j = {{"name", r.name},
                        {"stream", r.stream},
                        {"last", units::format_wall(r.last_wall_ns)},
                        {"last_ms", r.last_wall_ns / 1'000'000},
                        {"bytes", r.bytes}};
    j["first"] = r.first_wall_ns ? nlohmann::json(units::format_wall(*r.first_wall_ns)) : nlohmann::json();
    j["first_ms"] = r.first_wall_ns ? nlohmann::json(*r.first_wall_ns / 1'000'000) : nlohmann::json();
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace zc::service::http

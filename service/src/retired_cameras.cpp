#include "retired_cameras.h"

#include <algorithm>
#include <set>

namespace zc::service {

std::optional<std::string> find_footage_stream(const ServiceConfig& config, const catalog::Catalog& catalog,
                                               const std::string& name) {
  if (const CameraConfig* c = config.camera(name)) return config.ring_name(*c);
  for (const std::string& stream : {config.ring_prefix + name, name}) {
    if (catalog.find_stream(stream)) return stream;
  }
  return std::nullopt;
}

std::vector<RetiredCamera> find_retired_cameras(const ServiceConfig& config, const catalog::Catalog& catalog) {
  std::set<std::string> configured;
  for (const auto& c : config.cameras) configured.insert(config.ring_name(c));
  std::vector<RetiredCamera> out;
  for (const auto& st : catalog.streams()) {
    if (configured.count(st.name)) continue;
    const auto end = catalog.stream_end_wall_ns(st.name);
    if (!end) continue;  // no footage (left): nothing to reach
    RetiredCamera r;
    r.stream = st.name;
    const auto& prefix = config.ring_prefix;
    r.name = !prefix.empty() && st.name.size() > prefix.size() && st.name.rfind(prefix, 0) == 0
                 ? st.name.substr(prefix.size())
                 : st.name;
    r.last_wall_ns = *end;
    r.bytes = catalog.stream_bytes(st.name);
    const auto oldest = catalog.recordings_page(st.name, {}, {1, 1});
    if (!oldest.items.empty()) r.first_wall_ns = oldest.items.front().start_wall_ns;
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace zc::service

// GET /metrics: the service's state in the Prometheus text exposition format (version 0.0.4), built at each
// scrape from Service::cameras() and Service::storage() (the service keeps the counts; nothing here holds state).
// docs/service.md lists every series.
#pragma once

#include <zc/service/service.h>

#include <optional>
#include <string>
#include <vector>

namespace zc::service {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_metrics(const std::vector<CameraStatus>& cameras, const StorageStatus& storage,
                           const std::optional<ClusterStatus>& cluster = std::nullopt);

}  // namespace zc::service

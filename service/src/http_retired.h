// The `retired` list of GET /api/v1/cameras: cameras whose footage the catalog holds under a name the
// configuration no longer has (renamed or removed). Their clip.mp4, timeline and listings answer by that name.
#pragma once

#include <zc/service/service.h>

#include <nlohmann/json.hpp>

#include <vector>

namespace zc::service::http {

// [{name, stream, first (RFC 3339, null when nothing was recorded), last, first_ms, last_ms, bytes}], by name.
nlohmann::json retired_cameras_json(const std::vector<RetiredCamera>& retired);

}  // namespace zc::service::http

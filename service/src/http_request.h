// What the HTTP API accepts: the event body and the listing query, validated and bounded before anything reaches
// the service or the catalog. Every refusal is an HttpError(400) whose message names the field or parameter.
#pragma once

#include <zc/catalog/catalog.h>
#include <zc/service/service.h>

#include "http_message.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace zc::service::http {

// Request bodies: an event body is at most this big (a 64 KiB metadata value plus the other fields); larger
// bodies are refused with 413 before they are read.
inline constexpr std::size_t kMaxBodyBytes = 96 * 1024;
// The catalog's own limits, checked here first so that the client gets a 400 naming the field.
inline constexpr std::size_t kMaxLabelChars = catalog::kMaxEventLabelChars;
inline constexpr std::size_t kMaxMetadataBytes = catalog::kMaxEventMetadataBytes;  // as compact JSON text
inline constexpr int64_t kMaxPrerollNs = catalog::kMaxEventPrerollNs;
inline constexpr int64_t kMaxPerPage = catalog::kMaxPerPage;
inline constexpr int kMaxJsonDepth = 32;  // deeper nesting is refused while parsing
inline constexpr int64_t kDefaultPerPage = 50;
inline constexpr int64_t kMaxPage = 1'000'000;
inline constexpr std::size_t kMaxQueryValueBytes = 128;

// A camera name: the catalog's stream name, part of the ring's shm name. No '/', no leading '.', so it can never
// walk out of a directory.
inline constexpr const char* kCameraNamePattern = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}";
bool valid_camera_name(std::string_view name);

// POST /api/v1/cameras/{name}/events. Every field optional: label (string, <= 256 characters), score (number),
// metadata (any JSON, <= 64 KiB as compact text), preroll/postroll/duration ("5s" or seconds; preroll <= 1 h, duration > 0),
// start (RFC 3339 or relative to now_wall_ns, "-15s"). null is the same as absent. An empty body is {}.
EventRequest parse_event_body(std::string_view body, int64_t now_wall_ns);

// GET /api/v1/events and /api/v1/recordings: camera, from, to (RFC 3339 or relative), page (1-based),
// per_page (1..1000, default 50). Unknown or repeated parameters are refused.
struct ListQuery {
  std::optional<std::string> camera;
  std::optional<int64_t> from_wall_ns;
  std::optional<int64_t> to_wall_ns;
  int64_t page = 1;
  int64_t per_page = kDefaultPerPage;
};
ListQuery parse_list_query(const Params& params, int64_t now_wall_ns);

// A route without a query: any parameter is refused rather than silently ignored.
void refuse_query(const Params& params);
// 400 for a parameter not in `known`, a repeated one, or a value longer than kMaxQueryValueBytes.
void refuse_unknown(const Params& params, std::initializer_list<const char*> known);

// An event id in a path: 1..18 digits, no leading zero; HttpError(400) otherwise.
int64_t parse_event_id(const std::string& text);
// The same rule for any catalog row id; `what` names it in the 400 ("recording").
int64_t parse_row_id(const std::string& text, const char* what);

}  // namespace zc::service::http

// GET /api/v1/events and GET /api/v1/recordings: one page of the catalog as JSON. Each call opens the storage
// directory's catalog read-only for itself (a Catalog is one connection, used by one thread), so a listing never
// takes a lock the recorders wait for and needs nothing from the Service.
#pragma once

#include "http_request.h"

#include <filesystem>
#include <string>

namespace zc::service::http {

// {"items": [...], "page": P, "per_page": N, "pages": K, "total": T}. Times are RFC 3339 (UTC, milliseconds);
// durations are seconds. An event item: id, camera, label, score, metadata, trigger, start, end (null while open),
// preroll_s, postroll_s, max_length_s, recording_id, state, end_reason.
std::string events_page_json(const std::filesystem::path& storage_dir, const ListQuery& query);

// A recording item: id, camera, kind, state, end_reason, trigger, start, end, preroll_requested_s,
// preroll_achieved_s, postroll_s, locked, frames_lost and segments: [{path (relative to the storage directory),
// start, end, duration_s, frames, size_bytes, state}] in order.
std::string recordings_page_json(const std::filesystem::path& storage_dir, const ListQuery& query);

}  // namespace zc::service::http

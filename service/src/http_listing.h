// GET /api/v1/events and GET /api/v1/recordings: one page of the catalog as JSON. Each call opens the storage
// directory's catalog read-only for itself (a Catalog is one connection, used by one thread), so a listing never
// takes a lock the recorders wait for and needs nothing from the Service.
//
// The API speaks of cameras; the catalog of streams, named ring_prefix + camera. A `camera` filter selects the
// camera's stream, and an item's "camera" is its stream name without the prefix ("stream" is the full name;
// streams that are no camera of this daemon, e.g. recorded by `zcrec start` in the same directory, keep their
// name whole).
#pragma once

#include "http_request.h"

#include <filesystem>
#include <string>

namespace zc::service::http {

struct CatalogView {
  std::filesystem::path storage_dir;
  std::string ring_prefix;
};

// {"items": [...], "page": P, "per_page": N, "pages": K, "total": T}. Times are RFC 3339 (UTC, milliseconds);
// durations are seconds. An event item: id, camera, stream, label, score, metadata, trigger, start, end (null while open),
// preroll_s, postroll_s, max_length_s, recording_id, state, end_reason.
std::string events_page_json(const CatalogView& view, const ListQuery& query);

// GET /api/v1/events/{id}: the event as the list gives it; HttpError(404) when there is none.
std::string event_item_json(const CatalogView& view, int64_t id);

// A recording item: id, camera, stream, kind, state, end_reason, trigger, start, end, preroll_requested_s,
// preroll_achieved_s, postroll_s, locked, frames_lost and segments: [{path (relative to the storage directory),
// start, end, duration_s, frames, size_bytes, state}] in order.
std::string recordings_page_json(const CatalogView& view, const ListQuery& query);

}  // namespace zc::service::http

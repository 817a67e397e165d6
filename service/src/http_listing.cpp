#include "http_listing.h"

#include "http_errors.h"

#include <zc/catalog/catalog.h>
#include <zc/units/units.h>

#include <nlohmann/json.hpp>

namespace zc::service::http {

namespace {

using nlohmann::json;

json wall(const std::optional<int64_t>& ns) { return ns ? json(units::format_wall(*ns)) : json(nullptr); }
json seconds(const std::optional<int64_t>& ns) { return ns ? json(static_cast<double>(*ns) / 1e9) : json(nullptr); }

catalog::Catalog open_catalog(const std::filesystem::path& dir) {
  return catalog::Catalog::open_existing(dir, catalog::Catalog::Access::read_only);
}

catalog::TimeRange range_of(const ListQuery& q) { return {q.from_wall_ns, q.to_wall_ns}; }

std::optional<std::string> stream_of(const CatalogView& v, const ListQuery& q) {
  if (!q.camera) return std::nullopt;
  return v.ring_prefix + *q.camera;
}

std::string camera_of(const CatalogView& v, const std::string& stream) {
  if (!v.ring_prefix.empty() && stream.size() > v.ring_prefix.size() && stream.rfind(v.ring_prefix, 0) == 0)
    return stream.substr(v.ring_prefix.size());
  return stream;
}
catalog::PageRequest page_of(const ListQuery& q) { return {q.page, q.per_page}; }

template <class T>
json page_json(const catalog::Page<T>& p, json items) {
  return {{"items", std::move(items)}, {"page", p.page}, {"per_page", p.per_page}, {"pages", p.pages},
          {"total", p.total}};
}

json metadata_value(const std::string& text) {
  if (text.empty()) return nullptr;
  // Stored by this API as compact JSON; anything else (written by another tool) is returned as the string it is.
  json v = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return v.is_discarded() ? json(text) : v;
}

// `recording_locked`: whether the recording the event made is locked (null for an event over continuous footage,
// which owns none), so the page can offer lock or unlock.
// `footage`: whether a recording holds its start (its own, or the continuous one it lies over): false once its
// footage was deleted (its recording_id is then null like an over-continuous event's: the page must tell them
// apart, an attacker trial found it could not).
json event_json(const CatalogView& v, const catalog::Catalog& cat, const catalog::EventRow& e) {
  std::optional<bool> locked;
  if (e.recording_id)
    if (const auto r = cat.recording(*e.recording_id)) locked = r->locked;
  const bool footage = e.recording_id.has_value() ||
                       !cat.recordings(e.stream_name, {e.start_wall_ns, e.start_wall_ns + 1}).empty();
  return {{"id", e.id},
          {"camera", camera_of(v, e.stream_name)},
          {"stream", e.stream_name},
          {"label", e.label},
          {"score", e.score ? json(*e.score) : json(nullptr)},
          {"metadata", metadata_value(e.metadata_json)},
          {"trigger", units::format_wall(e.trigger_wall_ns)},
          {"start", units::format_wall(e.start_wall_ns)},
          {"end", wall(e.end_wall_ns)},
          {"preroll_s", seconds(e.preroll_ns)},
          {"postroll_s", seconds(e.postroll_ns)},
          {"max_length_s", seconds(e.max_length_ns)},
          {"recording_id", e.recording_id ? json(*e.recording_id) : json(nullptr)},
          {"state", e.state},
          {"end_reason", e.end_reason.empty() ? json(nullptr) : json(e.end_reason)},
          {"thumbnail", "/api/v1/events/" + std::to_string(e.id) + "/thumbnail.jpg"},
          {"clip", "/api/v1/events/" + std::to_string(e.id) + "/clip.mp4"},
          {"recording_locked", locked ? json(*locked) : json(nullptr)},
          {"footage", footage}};
}

json segment_json(const catalog::SegmentRow& s) {
  return {{"path", s.path},
          {"start", units::format_wall(s.start_wall_ns)},
          {"end", units::format_wall(s.end_wall_ns)},
          {"duration_s", static_cast<double>(catalog::ticks90k_to_ns(s.duration_90k)) / 1e9},
          {"frames", s.frames},
          {"size_bytes", s.size_bytes},
          {"state", s.state}};
}

json recording_json(const CatalogView& v, const catalog::Catalog& cat, const catalog::RecordingRow& r) {
  json segments = json::array();
  for (const auto& s : cat.segments_of_recording(r.id)) {
    if (s.state != "deleting") segments.push_back(segment_json(s));  // retention is removing it
  }
  return {{"id", r.id},
          {"camera", camera_of(v, r.stream_name)},
          {"stream", r.stream_name},
          {"kind", r.kind},
          {"state", r.state},
          {"end_reason", r.end_reason.empty() ? json(nullptr) : json(r.end_reason)},
          {"trigger", units::format_wall(r.trigger_wall_ns)},
          {"start", wall(r.start_wall_ns)},
          {"end", wall(r.end_wall_ns)},
          {"preroll_requested_s", seconds(r.preroll_requested_ns)},
          {"preroll_achieved_s", seconds(r.preroll_achieved_ns)},
          {"postroll_s", seconds(r.postroll_ns)},
          {"locked", r.locked},
          {"frames_lost", r.frames_lost},
          {"segments", std::move(segments)}};
}

}  // namespace

std::string events_page_json(const CatalogView& view, const ListQuery& query) {
  const auto cat = open_catalog(view.storage_dir);
  const auto page = cat.events_page(stream_of(view, query), range_of(query), page_of(query));
  json items = json::array();
  for (const auto& e : page.items) items.push_back(event_json(view, cat, e));
  return dump_json(page_json(page, std::move(items)));
}

std::string event_item_json(const CatalogView& view, int64_t id) {
  const auto cat = open_catalog(view.storage_dir);
  const auto e = cat.event(id);
  if (!e) throw HttpError(404, "no event " + std::to_string(id));
  return dump_json(event_json(view, cat, *e));
}

std::string recordings_page_json(const CatalogView& view, const ListQuery& query) {
  const auto cat = open_catalog(view.storage_dir);
  const auto page = cat.recordings_page(stream_of(view, query), range_of(query), page_of(query));
  json items = json::array();
  for (const auto& r : page.items) items.push_back(recording_json(view, cat, r));
  return dump_json(page_json(page, std::move(items)));
}

}  // namespace zc::service::http

#include "http_footage.h"

#include "catalog_pool.h"
#include "http_errors.h"
#include "http_request.h"

#include <zc/catalog/catalog.h>
#include <zc/catalog/error.h>
#include <zc/catalog/retention.h>
#include <zc/units/units.h>

#include <nlohmann/json.hpp>
#include <sys/statvfs.h>

#include <chrono>
#include <string>

namespace zc::service::http {

namespace {

using nlohmann::json;

// A writing connection for this one request: lock and delete are rare, and the catalog serialises writers.
catalog::Catalog writable(const Service& service) {
  try {
    return catalog::Catalog::open_existing(service.config().storage_dir, catalog::Catalog::Access::read_write);
  } catch (const catalog::CatalogError& e) {
    throw HttpError(503, std::string("the catalog cannot be written now: ") + e.what());
  }
}

catalog::RecordingRow recording_or_404(const catalog::Catalog& c, int64_t id) {
  auto r = c.recording(id);
  if (!r) throw HttpError(404, "no recording " + std::to_string(id));
  return *r;
}

// The recording an event made; 409 for an event over continuous footage, which owns none, and 404 for one whose
// footage is gone.
int64_t recording_of_event(const catalog::Catalog& c, int64_t event_id) {
  const auto e = c.event(event_id);
  if (!e) throw HttpError(404, "no event " + std::to_string(event_id));
  if (!e->recording_id) {
    // Over continuous footage (the continuous recording holds it), or its own recording was deleted (the catalog
    // clears the link): the two said the same before, which told a user to look for footage that was gone.
    // (An open recording reaches to now: a new event over a continuous recording counts before its fragment does.)
    if (c.recordings(e->stream_name, {e->start_wall_ns, e->start_wall_ns + 1}).empty())
      throw HttpError(404, "event " + std::to_string(event_id) + " has no footage (deleted, or never recorded)");
    throw HttpError(409, "event " + std::to_string(event_id) +
                             " lies over continuous footage and owns no recording: lock or delete the recording "
                             "that holds it (GET /api/v1/recordings?camera=&from=&to=)");
  }
  return *e->recording_id;
}

void lock(const Service& service, int64_t recording_id, bool locked, Response& res) {
  auto c = writable(service);
  recording_or_404(c, recording_id);
  if (!c.set_locked(std::vector<int64_t>{recording_id}, locked).empty())
    throw HttpError(locked ? 409 : 404, "recording " + std::to_string(recording_id) +
                                            (locked ? " is being deleted (or was deleted in between): nothing to lock"
                                                    : " was deleted in between"));
  reply_json(res, 200, dump_json(json{{"recording_id", recording_id}, {"locked", locked}}));
}

void remove(const Service& service, int64_t recording_id, Response& res) {
  auto c = writable(service);
  const auto r = recording_or_404(c, recording_id);
  if (r.locked) throw HttpError(409, "recording " + std::to_string(recording_id) + " is locked: unlock it first");
  if (r.state == "recording")
    throw HttpError(409, "recording " + std::to_string(recording_id) + " is being written: end it first");
  catalog::RecordingDeletion d;
  try {
    d = catalog::delete_recording(c, recording_id);
  } catch (const std::exception& e) {
    throw HttpError(500, "deleting recording " + std::to_string(recording_id) + ": " + e.what());
  }
  if (d.locked_meanwhile)
    throw HttpError(409, "recording " + std::to_string(recording_id) + " was locked while it was being deleted; " +
                             std::to_string(d.segments_deleted) + " segment(s) had gone");
  if (d.unfinished_segment)
    throw HttpError(409, "recording " + std::to_string(recording_id) +
                             " has a segment still marked as being written (zcrec check --repair finishes it); " +
                             std::to_string(d.segments_deleted) + " segment(s) had gone");
  reply_json(res, 200, dump_json(json{{"recording_id", recording_id},
                                      {"deleted", true},
                                      {"segments_deleted", d.segments_deleted},
                                      {"bytes_deleted", d.bytes_deleted}}));
}

json footage_json(const std::string& camera, const std::string& stream, const catalog::StreamFootage& f, int64_t now,
                  bool retired) {
  json j{{"camera", camera}, {"stream", stream}, {"retired", retired}, {"segments", f.segments},
         {"size_bytes", f.size_bytes}, {"oldest", nullptr}, {"newest", nullptr}, {"days_kept", 0.0}};
  if (f.oldest_start_wall_ns) {
    j["oldest"] = units::format_wall(*f.oldest_start_wall_ns);
    j["newest"] = units::format_wall(*f.newest_end_wall_ns);
    j["days_kept"] = static_cast<double>(now - *f.oldest_start_wall_ns) / 86'400e9;
  }
  return j;
}

}  // namespace

void register_footage_routes(Router& router, Service& service) {
  const std::string recording = "/api/v1/recordings/([^/]+)";
  const std::string event = "/api/v1/events/([^/]+)";
  for (const bool locked : {true, false}) {
    const std::string verb = locked ? "/lock" : "/unlock";
    router.post(recording + verb, [&service, locked](const Request& req, Response& res) {
      refuse_query(req.query);
      lock(service, parse_row_id(req.matches[1], "recording"), locked, res);
    });
    router.post(event + verb, [&service, locked](const Request& req, Response& res) {
      refuse_query(req.query);
      const int64_t id = parse_event_id(req.matches[1]);
      lock(service, recording_of_event(writable(service), id), locked, res);
    });
  }
  router.add("DELETE", recording, [&service](const Request& req, Response& res) {
    refuse_query(req.query);
    remove(service, parse_row_id(req.matches[1], "recording"), res);
  });
  router.add("DELETE", event + "/footage", [&service](const Request& req, Response& res) {
    refuse_query(req.query);
    const int64_t id = parse_event_id(req.matches[1]);
    remove(service, recording_of_event(writable(service), id), res);
  });

  auto pool = std::make_shared<CatalogPool>();
  router.get(
      "/api/v1/storage",
      [&service, pool](const Request& req, Response& res) {
        refuse_query(req.query);
        const ServiceConfig config = service.config();
        const int64_t now = service.clock().wall_ns();
        json cameras = json::array();
        try {
          const auto c = pool->take(config.storage_dir);
          for (const auto& cam : config.cameras)
            cameras.push_back(footage_json(cam.name, config.ring_name(cam), (*c).footage(config.ring_name(cam)), now, false));
          for (const auto& r : service.retired_cameras())
            cameras.push_back(footage_json(r.name, r.stream, (*c).footage(r.stream), now, true));
        } catch (const catalog::CatalogError& e) {
          throw HttpError(503, std::string("the catalog cannot be read: ") + e.what());
        }
        json fs{{"free_bytes", nullptr}, {"total_bytes", nullptr}};
        struct statvfs st {};
        if (::statvfs(config.storage_dir.c_str(), &st) == 0) {
          fs["free_bytes"] = static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize);
          fs["total_bytes"] = static_cast<int64_t>(st.f_blocks) * static_cast<int64_t>(st.f_frsize);
        }
        reply_json(res, 200, dump_json(json{{"dir", config.storage_dir.string()}, {"filesystem", fs},
                                            {"cameras", std::move(cameras)}}));
      },
      Pool::media);
}

}  // namespace zc::service::http

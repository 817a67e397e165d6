#include "http_clip.h"

#include "catalog_pool.h"
#include "http_errors.h"
#include "http_range.h"
#include "http_request.h"

#include <zc/catalog/catalog.h>
#include <zc/playback/clip_mp4.h>
#include <zc/playback/error.h>
#include <zc/units/units.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <vector>

namespace zc::service::http {

namespace {

constexpr int64_t kChunkBytes = 256 * 1024;

int64_t now_wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string compact_utc(int64_t wall_ns) {
  const std::time_t t = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// The camera's catalog stream: a configured camera's ring, or a retired camera's stream (renamed or removed:
// its footage stays reachable by the name it was recorded under); ServiceError 404 for neither.
std::string stream_of(const Service& service, const std::string& camera, ServiceConfig& config) {
  config = service.config();
  return service.footage_stream(camera);
}

std::string required(const httplib::Request& req, const char* key) {
  if (!req.has_param(key)) throw HttpError(400, std::string("missing query parameter ") + key);
  const auto v = req.get_param_value(key);
  if (v.size() > kMaxQueryValueBytes) throw HttpError(400, std::string(key) + " is too long");
  return v;
}

void refuse_unknown(const httplib::Params& params, std::initializer_list<const char*> known) {
  for (const auto& [k, v] : params) {
    bool ok = false;
    for (const char* n : known) ok = ok || k == n;
    if (!ok) throw HttpError(400, "unknown query parameter " + k);
    if (params.count(k) > 1) throw HttpError(400, "repeated query parameter " + k);
  }
}

playback::ClipMp4 build_clip(CatalogPool& pool, const ServiceConfig& config, const playback::ClipRequest& request) {
  try {
    const auto catalog = pool.take(config.storage_dir);
    return playback::ClipMp4::build(*catalog, request);
  } catch (const playback::PlaybackError& e) {
    switch (e.code()) {
      case playback::PlaybackErrc::invalid_argument: throw HttpError(400, e.what());
      case playback::PlaybackErrc::nothing_to_play: throw HttpError(404, e.what());
      default: throw HttpError(500, e.what());
    }
  }
}

void clip_route(Service& service, CatalogPool& pool, const httplib::Request& req, httplib::Response& res) {
  refuse_unknown(req.params, {"from", "to", "download"});
  ServiceConfig config;
  const std::string camera = req.matches[1].str();
  playback::ClipRequest request;
  request.stream = stream_of(service, camera, config);
  const int64_t now = now_wall_ns();
  request.from_wall_ns = units::parse_time_ns(required(req, "from"), now);
  request.to_wall_ns = units::parse_time_ns(required(req, "to"), now);
  if (request.to_wall_ns <= request.from_wall_ns) throw HttpError(400, "to must be after from");
  const bool download = req.has_param("download") && req.get_param_value("download") == "1";

  // Every segment file is opened here and held by the clip until the last byte is sent (ClipMp4).
  auto clip = std::make_shared<const playback::ClipMp4>(build_clip(pool, config, request));
  const int64_t size = clip->size();
  res.set_header("Accept-Ranges", "bytes");
  res.set_header("ETag", clip->etag());
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Clip-Start", units::format_wall(clip->start_wall_ns()));
  res.set_header("X-Clip-End", units::format_wall(clip->end_wall_ns()));
  if (clip->cut_at_wall_ns()) res.set_header("X-Clip-Cut-At", units::format_wall(*clip->cut_at_wall_ns()));
  if (download) {
    res.set_header("Content-Disposition", "attachment; filename=\"" + camera + "-" +
                                              compact_utc(clip->start_wall_ns()) + ".mp4\"");
  }

  const auto answer = resolve_range(req.ranges, req.get_header_value("If-Range"), clip->etag(), size);
  // cpp-httplib 0.11 would apply the request's ranges to the provider a second time, without bounds checks or
  // If-Range; this route has answered them itself.
  const_cast<httplib::Request&>(req).ranges.clear();
  if (answer.kind == RangeAnswer::Kind::unsatisfiable) {
    res.set_header("Content-Range", "bytes */" + std::to_string(size));
    reply_error(res, 416, "range not satisfiable: the clip has " + std::to_string(size) + " bytes");
    return;
  }
  int64_t first = 0, length = size;
  if (answer.kind == RangeAnswer::Kind::partial) {
    first = answer.range.first;
    length = answer.range.length();
    res.status = 206;
    res.set_header("Content-Range", "bytes " + std::to_string(answer.range.first) + "-" +
                                        std::to_string(answer.range.last) + "/" + std::to_string(size));
  } else {
    res.status = 200;
  }
  res.set_content_provider(
      static_cast<size_t>(length), "video/mp4",
      [clip, first](size_t offset, size_t want, httplib::DataSink& sink) {
        std::vector<uint8_t> buf(static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(want), kChunkBytes)));
        try {
          clip->read(first + static_cast<int64_t>(offset), buf);
        } catch (const std::exception&) {
          return false;  // the connection closes short of Content-Length: the client sees the truncation
        }
        return sink.write(reinterpret_cast<const char*>(buf.data()), buf.size());
      });
}

}  // namespace

void register_clip_routes(httplib::Server& server, Service& service) {
  auto pool = std::make_shared<CatalogPool>();
  server.Get(std::string("/api/v1/cameras/(") + kCameraNamePattern + ")/clip\\.mp4",
             [&service, pool](const httplib::Request& req, httplib::Response& res) {
               run_guarded(req, res, [&](const httplib::Request& q, httplib::Response& r) { clip_route(service, *pool, q, r); });
             });
}

}  // namespace zc::service::http

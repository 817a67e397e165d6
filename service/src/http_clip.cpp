#include "http_clip.h"

#include "catalog_pool.h"
#include "http_errors.h"
#include "http_range.h"
#include "http_request.h"
#include "peer_http.h"
#include "s3_segment_source.h"

#include <zc/catalog/catalog.h>
#include <zc/objectstore/error.h>
#include <zc/playback/clip_mp4.h>
#include <zc/playback/error.h>
#include <zc/units/units.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <vector>

namespace zc::service::http {

namespace {

constexpr int64_t kChunkBytes = 256 * 1024;

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

std::string required(const Request& req, const char* key) {
  if (!req.has_param(key)) throw HttpError(400, std::string("missing query parameter ") + key);
  const auto v = req.param(key);
  if (v.size() > kMaxQueryValueBytes) throw HttpError(400, std::string(key) + " is too long");
  return v;
}


// Builds a clip with `build`, its errors said as HTTP's: a copy in S3 that cannot be fetched 503 (or 404 when it
// is missing), a bad range 400, no footage 404.
template <typename Build>
playback::ClipMp4 clip_or_http_error(Build&& build) {
  try {
    return build();
  } catch (const objectstore::ObjectStoreError& e) {
    throw HttpError(e.code() == objectstore::ObjectStoreErrc::not_found ? 404 : 503,
                    std::string("footage in object storage: ") + e.what());
  } catch (const playback::PlaybackError& e) {
    switch (e.code()) {
      case playback::PlaybackErrc::invalid_argument: throw HttpError(400, e.what());
      case playback::PlaybackErrc::nothing_to_play: throw HttpError(404, e.what());
      default: throw HttpError(500, e.what());
    }
  }
}

playback::ClipMp4 build_clip(CatalogPool& pool, const ServiceConfig& config, const fifo::Clock& clock,
                             playback::ClipRequest request) {
  // A segment whose local copy is gone is read from S3 (s3_segment_source.h).
  request.open_segment = segment_opener(config.storage_dir, config.s3, clock);
  return clip_or_http_error([&] {
    const auto catalog = pool.take(config.storage_dir);
    return playback::ClipMp4::build(*catalog, request);
  });
}

// download: absent, 0 or 1; anything else is refused rather than guessed at.
bool download_param(const Request& req) {
  if (!req.has_param("download")) return false;
  const std::string v = req.param("download");
  if (v != "0" && v != "1") throw HttpError(400, "download must be 0 or 1");
  return v == "1";
}

// A clip as a whole body or the range asked for. `name` names the download.
void serve_clip(std::shared_ptr<const playback::ClipMp4> clip, const Request& req, Response& res,
                const std::string& name, bool download) {
  const int64_t size = clip->size();
  res.set_header("Accept-Ranges", "bytes");
  res.set_header("ETag", clip->etag());
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Clip-Start", units::format_wall(clip->start_wall_ns()));
  res.set_header("X-Clip-End", units::format_wall(clip->end_wall_ns()));
  if (clip->cut_at_wall_ns()) res.set_header("X-Clip-Cut-At", units::format_wall(*clip->cut_at_wall_ns()));
  if (download) {
    res.set_header("Content-Disposition", "attachment; filename=\"" + name + "-" +
                                              compact_utc(clip->start_wall_ns()) + ".mp4\"");
  }

  // Ranges are answered here, once the clip exists: a request for footage that is not there is a 404 (or a
  // 400) whatever its Range says.
  const auto answer = resolve_range(parse_ranges(req.header("Range")), req.header("If-Range"), clip->etag(), size);
  if (answer.kind == RangeAnswer::Kind::unsatisfiable) {
    reply_error(res, 416, "range not satisfiable: the clip has " + std::to_string(size) + " bytes");
    res.set_header("Content-Range", "bytes */" + std::to_string(size));
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
  res.set_content_provider(length, "video/mp4", [clip, first, length](int64_t offset, Sink& sink) {
    std::vector<uint8_t> buf(static_cast<size_t>(std::min<int64_t>(length - offset, kChunkBytes)));
    try {
      clip->read(first + offset, buf);
    } catch (const std::exception&) {
      return false;  // the connection closes short of Content-Length: the client sees the truncation
    }
    return sink.write(reinterpret_cast<const char*>(buf.data()), buf.size());
  });
}

// The clip of `stream` over [from, to). Every segment file is opened here and held by the clip until the last
// byte is sent (ClipMp4).
void serve_clip(CatalogPool& pool, const ServiceConfig& config, const fifo::Clock& clock, const Request& req,
                Response& res, playback::ClipRequest request, const std::string& name, bool download) {
  serve_clip(std::make_shared<const playback::ClipMp4>(build_clip(pool, config, clock, request)), req, res, name,
             download);
}

// GET /api/v1/cluster/cameras/{name}/clip.mp4 (docs/cluster.md, "Clips of any host's footage"): the camera's
// current footage on every host, this host's segments read here, other hosts' from their S3 copies (a dead host's
// footage plays). Whole segments: the cluster catalog has no keyframe index.
void cluster_clip_route(Service& service, const Request& req, Response& res) {
  refuse_unknown(req.query, {"from", "to", "download"});
  const std::string camera = req.matches[1];
  const int64_t now = service.clock().wall_ns();
  playback::ClipRequest request;
  request.stream = camera;
  request.from_wall_ns = units::parse_time_ns(required(req, "from"), now);
  request.to_wall_ns = units::parse_time_ns(required(req, "to"), now);
  if (request.to_wall_ns <= request.from_wall_ns) throw HttpError(400, "to must be after from");
  const auto views = service.cluster_segments(camera, request.from_wall_ns, request.to_wall_ns);
  const ServiceConfig config = service.config();
  const std::string me = service.cluster_host();
  std::vector<int64_t> local_ids;
  // Rows cut by a later lease epoch overlap the next holder's: a clip cannot trim a segment without its keyframe
  // index, so a row that starts before the previous one ends is left out.
  std::vector<catalog::SegmentRow> rows;
  auto hosts = std::make_shared<std::vector<std::string>>();
  auto api_urls = std::make_shared<std::vector<std::string>>();
  for (const auto& v : views) {
    if (v.row.frames == 0 || v.row.keyframes == 0) continue;
    if (!rows.empty() && v.row.start_wall_ns < rows.back().end_wall_ns - 1'000'000) continue;
    rows.push_back(v.row);
    rows.back().id = static_cast<int64_t>(hosts->size());  // the clip's index: local ids repeat across hosts
    hosts->push_back(v.host);
    api_urls->push_back(v.host_api_url);
    local_ids.push_back(v.row.id);
  }
  if (rows.empty()) throw HttpError(404, "no footage of " + camera + " in the cluster in the range");
  auto local = segment_opener(config.storage_dir, config.s3, service.clock());
  auto remote = segment_opener(config.storage_dir, config.s3, service.clock(), /*s3_only=*/true);
  const std::string authorization = req.header("Authorization");
  const auto storage_dir = config.storage_dir;
  request.open_segment = [hosts, api_urls, ids = std::move(local_ids), me, local, remote, authorization,
                          storage_dir](const catalog::SegmentRow& r) {
    const auto i = static_cast<size_t>(r.id);
    const std::string& host = (*hosts)[i];
    if (host == me) return local(r);
    fifo::UniqueFd fd = remote(r);  // its S3 copy: there even when the host is dead
    if (fd) return fd;
    // No copy in S3: ask the host that recorded it, with the caller's credentials.
    if ((*api_urls)[i].empty())
      throw HttpError(503, "footage of " + r.stream_name + " recorded by " + host +
                               " is on that host only (no S3 copy, and it announced no cluster.api_url)");
    fd = temporary_file(storage_dir);
    if (!fd) throw HttpError(503, "cannot make a temporary file in " + storage_dir.string());
    const std::string why = fetch_segment((*api_urls)[i], ids[i], authorization, fd.get());
    if (!why.empty())
      throw HttpError(503, "footage of " + r.stream_name + " recorded by " + host + " (no S3 copy): " + why);
    if (::lseek(fd.get(), 0, SEEK_SET) != 0) throw HttpError(503, "cannot rewind the fetched segment");
    return fd;
  };
  const auto path_of = [hosts](const catalog::SegmentRow& r) { return (*hosts)[static_cast<size_t>(r.id)] + ":" + r.path; };
  const auto no_keyframes = [](const catalog::SegmentRow&) { return std::vector<catalog::KeyframeEntry>{}; };
  auto clip = clip_or_http_error([&] { return playback::ClipMp4::build(rows, request, path_of, no_keyframes); });
  serve_clip(std::make_shared<const playback::ClipMp4>(std::move(clip)), req, res, camera, download_param(req));
}

// GET /api/v1/segments/{id}.mp4: one segment file of this host as recorded (its durable length), for another host's
// cluster clip when the segment has no S3 copy (docs/cluster.md, "Clips of any host's footage").
void segment_route(Service& service, CatalogPool& pool, const Request& req, Response& res) {
  refuse_unknown(req.query, {});
  const int64_t id = parse_row_id(req.matches[1], "segment");
  const ServiceConfig config = service.config();
  std::optional<catalog::SegmentRow> row;
  {
    const auto catalog = pool.take(config.storage_dir);
    row = (*catalog).segment(id);
  }
  if (!row || row->state == "deleting") throw HttpError(404, "no segment " + std::to_string(id));
  fifo::UniqueFd fd;
  try {
    fd = segment_opener(config.storage_dir, config.s3, service.clock())(*row);
  } catch (const objectstore::ObjectStoreError& e) {
    throw HttpError(503, std::string("segment in object storage: ") + e.what());
  }
  if (!fd) throw HttpError(404, "segment " + std::to_string(id) + " has no file");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw HttpError(500, "cannot stat segment " + std::to_string(id));
  // A segment being written: only what the catalog says is durable (whole fragments).
  const int64_t size = row->size_bytes > 0 ? std::min<int64_t>(st.st_size, row->size_bytes) : st.st_size;
  auto file = std::make_shared<fifo::UniqueFd>(std::move(fd));
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_content_provider(size, "video/mp4", [file, size](int64_t offset, Sink& sink) {
    std::vector<char> buf(static_cast<size_t>(std::min<int64_t>(kChunkBytes, size - offset)));
    const ssize_t n = ::pread(file->get(), buf.data(), buf.size(), offset);
    if (n <= 0) return false;  // the connection closes short of Content-Length
    return sink.write(buf.data(), static_cast<size_t>(n));
  });
}

void clip_route(Service& service, CatalogPool& pool, const Request& req, Response& res) {
  refuse_unknown(req.query, {"from", "to", "download"});
  ServiceConfig config;
  const std::string camera = req.matches[1];
  playback::ClipRequest request;
  request.stream = stream_of(service, camera, config);
  const int64_t now = service.clock().wall_ns();
  request.from_wall_ns = units::parse_time_ns(required(req, "from"), now);
  request.to_wall_ns = units::parse_time_ns(required(req, "to"), now);
  if (request.to_wall_ns <= request.from_wall_ns) throw HttpError(400, "to must be after from");
  serve_clip(pool, config, service.clock(), req, res, request, camera, download_param(req));
}

// GET /api/v1/events/{id}/clip.mp4: the event's span with its pre- and post-roll (an open event: up to now).
void event_clip_route(Service& service, CatalogPool& pool, const Request& req, Response& res) {
  refuse_unknown(req.query, {"download"});
  const int64_t id = parse_event_id(req.matches[1]);
  const ServiceConfig config = service.config();
  std::optional<catalog::EventRow> event;
  {
    const auto catalog = pool.take(config.storage_dir);
    event = (*catalog).event(id);
  }
  if (!event) throw HttpError(404, "no event " + std::to_string(id));
  playback::ClipRequest request;
  request.stream = event->stream_name;
  request.from_wall_ns = event->start_wall_ns - event->preroll_ns;
  request.to_wall_ns = event->end_wall_ns.value_or(service.clock().wall_ns()) + event->postroll_ns;
  if (request.to_wall_ns <= request.from_wall_ns) throw HttpError(404, "event " + std::to_string(id) + " has no span");
  serve_clip(pool, config, service.clock(), req, res, request, "event-" + std::to_string(id), download_param(req));
}

}  // namespace

void register_clip_routes(Router& router, Service& service) {
  auto pool = std::make_shared<CatalogPool>();
  router.get(std::string("/api/v1/cameras/(") + kCameraNamePattern + ")/clip\\.mp4",
             [&service, pool](const Request& req, Response& res) { clip_route(service, *pool, req, res); },
             Pool::media);
  router.get("/api/v1/segments/([^/]+)\\.mp4",
             [&service, pool](const Request& req, Response& res) { segment_route(service, *pool, req, res); },
             Pool::media);
  router.get(std::string("/api/v1/cluster/cameras/(") + kCameraNamePattern + ")/clip\\.mp4",
             [&service](const Request& req, Response& res) { cluster_clip_route(service, req, res); }, Pool::media);
  router.get("/api/v1/events/([^/]+)/clip\\.mp4",
             [&service, pool](const Request& req, Response& res) { event_clip_route(service, *pool, req, res); },
             Pool::media);
}

}  // namespace zc::service::http

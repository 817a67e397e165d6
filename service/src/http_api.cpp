// The HTTP API: its routes, authentication and the refusals before routing (http::App), behind the server core
// (http_server.cpp: connections, bounds, workers). Parsing lives in http_request.cpp, catalog listings in
// http_listing.cpp, metrics in metrics.cpp.
#include <zc/service/http_api.h>

#include "camera_state_json.h"
#include "http_access_log.h"
#include "http_app.h"
#include "http_auth.h"
#include "http_clip.h"
#include "http_cluster.h"
#include "peer_http.h"
#include "http_errors.h"
#include "http_listing.h"
#include "http_live.h"
#include "http_request.h"
#include "http_retired.h"
#include "http_server.h"
#include "http_footage.h"
#include "http_hls.h"
#include "http_snapshot.h"
#include "http_timeline.h"
#include "http_web.h"
#include "metrics.h"

#include <zc/units/units.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

namespace zc::service {

using http::HttpError;
using http::reply_error;
using http::reply_json;
using nlohmann::json;

namespace {

// Taken from the running configuration at each request: a reload may change ring_prefix (the stream names).
http::CatalogView catalog_view(const Service& service) {
  const ServiceConfig config = service.config();
  return {config.storage_dir, config.ring_prefix};
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

struct HttpApi::Impl {
  std::unique_ptr<http::App> app;
  std::unique_ptr<http::Server> server;
};

namespace {

json camera_json(const CameraStatus& c) {
  json out{{"name", c.name},
          {"ingest_state", to_string(c.ingest_state)},
          {"fps", c.fps},
          {"bitrate_bps", c.bitrate_bps},
          {"ring_history_s", c.ring_history_s},
          {"reconnects", c.reconnects},
          {"ingest_restarts", c.ingest_restarts},
          {"recording_state", to_string(c.recording_state)},
          {"open_events", c.open_events},
          {"frames_in", c.frames_in},
          {"bytes_in", c.bytes_in},
          {"frames_lost", c.frames_lost},
          {"segment_write_latency_s", c.segment_write_latency_s},
          {"last_error", c.last_error.empty() ? json(nullptr) : json(c.last_error)}};
  if (c.rtsp)
    out["rtsp"] = {{"clients", c.rtsp->clients},         {"clients_total", c.rtsp->clients_total},
                   {"clients_refused", c.rtsp->clients_refused}, {"frames_sent", c.rtsp->frames_sent},
                   {"bytes_sent", c.rtsp->bytes_sent},   {"frames_dropped", c.rtsp->frames_dropped}};
  if (c.lease)
    out["lease"] = {{"held", c.lease->held},
                    {"holder", c.lease->holder.empty() ? json(nullptr) : json(c.lease->holder)},
                    {"epoch", c.lease->epoch}};
  if (c.rtsp && c.rtsp->push)
    out["rtsp"]["push"] = {{"pushing", c.rtsp->pushing},
                           {"pushes", c.rtsp->pushes},
                           {"refused", c.rtsp->pushes_refused},
                           {"frames_dropped", c.rtsp->push_frames_dropped}};
  return out;
}

void register_api_routes(http::Router& router, Service& service, const std::function<void(const std::string&)>& log) {
  using Req = http::Request;
  using Res = http::Response;
  Service* svc = &service;

  router.get("/api/v1/health", [svc](const Req& req, Res& res) {
    http::refuse_query(req.query);
    const auto cameras = svc->cameras();
    const auto streaming = std::count_if(cameras.begin(), cameras.end(),
                                         [](const CameraStatus& c) { return c.ingest_state == IngestState::streaming; });
    json body{{"status", "ok"}, {"cameras", cameras.size()}, {"streaming", streaming}};
    if (const auto c = svc->cluster())
      body["cluster"] = {{"publishes", c->publishes},
                         {"failures", c->failures},
                         {"last_publish", c->last_success_wall_ns ? json(units::format_wall(c->last_success_wall_ns)) : json(nullptr)},
                         {"last_error", c->last_error.empty() ? json(nullptr) : json(c->last_error)}};
    if (const auto m = svc->mqtt())
      body["mqtt"] = {{"connected", m->connected}, {"queued", m->queued},     {"dropped", m->dropped},
                      {"published", m->published}, {"received", m->received}, {"rejected", m->rejected}};
    if (const auto u = svc->storage().s3)
      body["s3"] = {{"queued", u->queued},       {"uploaded", u->uploaded},
                    {"uploaded_bytes", u->uploaded_bytes}, {"failures", u->failures},
                    {"local_removed", u->local_removed}, {"remote_deleted", u->remote_deleted},
                    {"retrying", u->retrying},   {"last_error", u->last_error}};
    reply_json(res, 200, http::dump_json(body));
  });

  router.get("/api/v1/cameras", [svc](const Req& req, Res& res) {
    http::refuse_query(req.query);
    json items = json::array();
    for (const auto& c : svc->cameras()) items.push_back(camera_json(c));
    // Renamed or removed cameras whose footage is still kept, apart from the running ones.
    reply_json(res, 200, http::dump_json(json{{"items", std::move(items)},
                                              {"retired", http::retired_cameras_json(svc->retired_cameras())},
                                              {"states", camera_states_json()}}));
  });

  // Any one path segment reaches the handler, so a bad name gets a 400 that says what a name may be; a name with
  // '/' (or an encoded one: the path is decoded before routing) is another path and a 404.
  router.post("/api/v1/cameras/([^/]+)/events", [svc](const Req& req, Res& res) {
    http::refuse_query(req.query);
    const std::string name = req.matches[1];
    if (!http::valid_camera_name(name))
      throw HttpError(400, std::string("a camera name must match ") + http::kCameraNamePattern);
    const EventRequest event = http::parse_event_body(req.body, svc->clock().wall_ns());
    // A cluster camera another host records: the event goes there (its ring has the pre-roll). When that host
    // does not answer, a standby here takes the event (it records it once it holds the lease).
    if (!req.has_header(kForwardedHeader))
      if (const auto url = svc->event_holder_url(name)) {
        if (const auto r = forward_event(*url, name, req.body, req.header("Authorization"), svc->cluster_host())) {
          if (!r->location.empty()) res.set_header("Location", *url + r->location);
          reply_json(res, r->status, r->body);
          return;
        }
      }
    const int64_t id = svc->create_event(name, event);
    res.set_header("Location", "/api/v1/events/" + std::to_string(id));
    reply_json(res, 201, http::dump_json(json{{"id", id}}));
  });

  router.post("/api/v1/events/([^/]+)/end", [svc](const Req& req, Res& res) {
    http::refuse_query(req.query);
    const int64_t id = http::parse_event_id(req.matches[1]);
    svc->end_event(id);
    reply_json(res, 200, http::dump_json(json{{"id", id}, {"ended", true}}));
  });

  router.get("/api/v1/events", [svc](const Req& req, Res& res) {
    const auto query = http::parse_list_query(req.query, svc->clock().wall_ns());
    reply_json(res, 200, http::events_page_json(catalog_view(*svc), query));
  });

  // The Location of a created event.
  router.get("/api/v1/events/([^/]+)", [svc](const Req& req, Res& res) {
    http::refuse_query(req.query);
    const int64_t id = http::parse_event_id(req.matches[1]);
    reply_json(res, 200, http::event_item_json(catalog_view(*svc), id));
  });

  router.get("/api/v1/recordings", [svc](const Req& req, Res& res) {
    const auto query = http::parse_list_query(req.query, svc->clock().wall_ns());
    reply_json(res, 200, http::recordings_page_json(catalog_view(*svc), query));
  });

  router.post("/api/v1/reload", [svc, log](const Req& req, Res& res) {
    http::refuse_query(req.query);
    const auto r = svc->reload();  // a bad file throws ConfigError: 400, and the old config stays
    if (log) log("reload over the API: " + std::to_string(r.added.size()) + " added, " +
                 std::to_string(r.changed.size()) + " changed, " + std::to_string(r.removed.size()) + " removed");
    reply_json(res, 200, http::dump_json(json{{"added", r.added}, {"changed", r.changed}, {"removed", r.removed}}));
  });

  router.get("/metrics", [svc](const Req& req, Res& res) {
    http::refuse_query(req.query);
    res.status = 200;
    res.set_content(render_metrics(svc->cameras(), svc->storage(), svc->cluster()), kMetricsContentType);
  });
}

}  // namespace

namespace http {

App::App(Service& service, std::string token, Log log)
    : service_(service), token_(std::move(token)), log_(std::move(log)) {
  register_api_routes(router_, service_, log_);
  // Media routes (issue 12) stream their bodies and answer ranges themselves; the token check covers them.
  register_clip_routes(router_, service_);
  register_timeline_routes(router_, service_);
  register_live_routes(router_, service_, log_);
  register_snapshot_routes(router_, service_);
  register_hls_routes(router_, service_);
  register_footage_routes(router_, service_);
  register_cluster_routes(router_, service_);
  register_web_routes(router_, token_);
}

std::optional<Response> App::on_head(const Request& req) const {
  if (log_) log_(access_log_line(req));
  const auto refusal = [](int status, const std::string& message) {
    Response res;
    reply_error(res, status, message);
    return res;
  };
  // A token in the URL ends up in logs, browser history and proxies: refused whatever it is, before anything
  // else, and never logged in clear (access_log_line redacts it).
  for (const auto& [name, value] : req.query) {
    if (name == "token" || name == "access_token" || name == "api_token")
      return refusal(400, "a token in the URL is refused: send it as \"Authorization: Bearer TOKEN\"");
  }
  // Authentication runs before routing and before the body is read: without the token nothing else of the
  // request is looked at, unknown routes included (they answer 401, not 404, so routes cannot be probed).
  if (token_.empty() || is_public_route(req)) return std::nullopt;
  // The page's <video> elements cannot send a header: the login's cookie counts as the token too.
  if (bearer_matches(req.header("Authorization"), token_) || cookie_matches(req.header("Cookie"), token_))
    return std::nullopt;
  Response res = refusal(401, "this zcrecd needs \"Authorization: Bearer TOKEN\" (api.token)");
  res.set_header("WWW-Authenticate", "Bearer realm=\"zcrecd\"");
  return res;
}

ServerHandler App::server_handler() const {
  ServerHandler h;
  h.on_head = [this](const Request& req) { return on_head(req); };
  h.pool_of = [this](const Request& req) { return pool_of(req); };
  h.handle = [this](Request& req, Response& res) { handle(req, res); };
  h.log = log_;
  h.max_body_bytes = kMaxBodyBytes;
  return h;
}

}  // namespace http

HttpApi::HttpApi(Service& service, const ServiceConfig& config, Log log) : impl_(std::make_unique<Impl>()) {
  const auto colon = config.listen.rfind(':');
  if (colon == std::string::npos)
    throw ServiceError(ServiceError::Kind::unavailable, "api.listen must be HOST:PORT, got " + config.listen);
  std::string host = config.listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  // config.cpp refuses this too; the API refuses it again because an open, unauthenticated port is the one
  // mistake that must not depend on a caller remembering to validate.
  if (!is_loopback_host(host) && config.token.empty())
    throw ServiceError(ServiceError::Kind::unavailable, "refusing to listen on " + config.listen + " without a token");
  int port = 0;
  try {
    port = std::stoi(config.listen.substr(colon + 1));
  } catch (const std::exception&) {
    throw ServiceError(ServiceError::Kind::unavailable, "api.listen has no port: " + config.listen);
  }
  impl_->app = std::make_unique<http::App>(service, config.token, std::move(log));
  try {
    impl_->server = std::make_unique<http::Server>(host, port, impl_->app->server_handler());
  } catch (const std::exception& e) {
    throw ServiceError(ServiceError::Kind::unavailable, "cannot listen on " + config.listen + ": " + e.what());
  }
}

HttpApi::~HttpApi() { stop(); }

int HttpApi::port() const noexcept { return impl_->server ? impl_->server->port() : -1; }

void HttpApi::stop() {
  if (impl_ && impl_->server) impl_->server->stop();
}

}  // namespace zc::service

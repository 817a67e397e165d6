// The HTTP API's server: bounds (threads, timeouts, body size), authentication, routing and the JSON error
// shape. Parsing lives in http_request.cpp, catalog listings in http_listing.cpp, metrics in metrics.cpp.
#include <zc/service/http_api.h>

#include "camera_state_json.h"
#include "http_access_log.h"
#include "http_auth.h"
#include "http_clip.h"
#include "http_errors.h"
#include "http_listing.h"
#include "http_live.h"
#include "http_request.h"
#include "http_timeline.h"
#include "http_web.h"
#include "metrics.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <regex>
#include <thread>

namespace zc::service {

using http::HttpError;
using http::reply_error;
using http::reply_json;
using nlohmann::json;

namespace {

// Tens of clients (a VMS, a door controller, Prometheus, the CLI) on a 2-core box: a few workers are plenty, and a
// bounded number keeps a burst of requests from taking the cores the recorders need.
constexpr std::size_t kWorkerThreads = 16;
// A client that stops sending mid-request frees its worker after this long.
constexpr time_t kReadTimeoutS = 5;
// A browser's <video> stops reading a clip.mp4 response once its buffer is full and reads on as it plays: a short
// write timeout cut those responses (Chromium: ERR_CONTENT_LENGTH_MISMATCH). 30 s covers a paused buffer; a client
// that never reads again still frees its worker.
constexpr time_t kWriteTimeoutS = 30;
constexpr time_t kKeepAliveTimeoutS = 5;
constexpr std::size_t kKeepAliveMaxRequests = 100;

// Taken from the running configuration at each request: a reload may change ring_prefix (the stream names).
http::CatalogView catalog_view(const Service& service) {
  const ServiceConfig config = service.config();
  return {config.storage_dir, config.ring_prefix};
}

int64_t now_wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string reason_of(int status) {
  switch (status) {
    case 400: return "the request could not be read (malformed, or a body without Content-Length)";
    case 413: return "the request body is larger than " + std::to_string(http::kMaxBodyBytes) + " bytes";
    case 414: return "the request URI is too long";
    default: return "request refused (HTTP " + std::to_string(status) + ")";
  }
}

}  // namespace

struct HttpApi::Impl {
  Impl(Service& s, const ServiceConfig& config, Log l)
      : service(s), log(std::move(l)), token(config.token) {}

  // Each route once, so that a path known under another method answers 405 (with Allow) instead of 404.
  struct RouteEntry {
    std::string method;
    std::regex pattern;
  };

  void add(const std::string& method, const std::string& pattern, http::RouteFn fn) {
    routes.push_back({method, std::regex(pattern)});
    auto handler = [fn = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
      http::run_guarded(req, res, fn);
    };
    if (method == "GET") server.Get(pattern, handler);
    if (method == "POST") server.Post(pattern, handler);
  }

  std::string allowed_methods(const std::string& path) const {
    std::string allow;
    for (const auto& r : routes) {
      if (std::regex_match(path, r.pattern) && allow.find(r.method) == std::string::npos)
        allow += (allow.empty() ? "" : ", ") + r.method;
    }
    return allow;
  }

  Service& service;
  Log log;
  const std::string token;  // the api section is read at start; a reload does not change it
  std::vector<RouteEntry> routes;
  httplib::Server server;
  std::thread thread;
  int port = 0;
};

namespace {

json camera_json(const CameraStatus& c) {
  return {{"name", c.name},
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
}

void register_routes(HttpApi::Impl& api) {
  using Req = httplib::Request;
  using Res = httplib::Response;
  HttpApi::Impl* impl = &api;

  api.add("GET", "/api/v1/health", [impl](const Req& req, Res& res) {
    http::refuse_query(http::url_query(req));
    const auto cameras = impl->service.cameras();
    const auto streaming = std::count_if(cameras.begin(), cameras.end(),
                                         [](const CameraStatus& c) { return c.ingest_state == IngestState::streaming; });
    reply_json(res, 200, json{{"status", "ok"}, {"cameras", cameras.size()}, {"streaming", streaming}}.dump());
  });

  api.add("GET", "/api/v1/cameras", [impl](const Req& req, Res& res) {
    http::refuse_query(http::url_query(req));
    json items = json::array();
    for (const auto& c : impl->service.cameras()) items.push_back(camera_json(c));
    reply_json(res, 200, json{{"items", std::move(items)}, {"states", camera_states_json()}}.dump());
  });

  // Any one path segment reaches the handler, so a bad name gets a 400 that says what a name may be; a name with
  // '/' (or an encoded one: the path is decoded before routing) is another path and a 404.
  api.add("POST", "/api/v1/cameras/([^/]+)/events", [impl](const Req& req, Res& res) {
    http::refuse_query(http::url_query(req));
    const std::string name = req.matches[1].str();
    if (!http::valid_camera_name(name))
      throw HttpError(400, std::string("a camera name must match ") + http::kCameraNamePattern);
    const EventRequest event = http::parse_event_body(req.body, now_wall_ns());
    const int64_t id = impl->service.create_event(name, event);
    res.set_header("Location", "/api/v1/events/" + std::to_string(id));
    reply_json(res, 201, json{{"id", id}}.dump());
  });

  api.add("POST", "/api/v1/events/([^/]+)/end", [impl](const Req& req, Res& res) {
    http::refuse_query(http::url_query(req));
    const std::string text = req.matches[1].str();
    static const std::regex id_re("[1-9][0-9]{0,17}");
    if (!std::regex_match(text, id_re)) throw HttpError(400, "an event id is a positive integer, got \"" + text + "\"");
    const int64_t id = std::stoll(text);
    impl->service.end_event(id);
    reply_json(res, 200, json{{"id", id}, {"ended", true}}.dump());
  });

  api.add("GET", "/api/v1/events", [impl](const Req& req, Res& res) {
    const auto query = http::parse_list_query(http::url_query(req), now_wall_ns());
    reply_json(res, 200, http::events_page_json(catalog_view(impl->service), query));
  });

  api.add("GET", "/api/v1/recordings", [impl](const Req& req, Res& res) {
    const auto query = http::parse_list_query(http::url_query(req), now_wall_ns());
    reply_json(res, 200, http::recordings_page_json(catalog_view(impl->service), query));
  });

  api.add("POST", "/api/v1/reload", [impl](const Req& req, Res& res) {
    http::refuse_query(http::url_query(req));
    const auto r = impl->service.reload();  // a bad file throws ConfigError: 400, and the old config stays
    if (impl->log) impl->log("reload over the API: " + std::to_string(r.added.size()) + " added, " +
                             std::to_string(r.changed.size()) + " changed, " + std::to_string(r.removed.size()) +
                             " removed");
    reply_json(res, 200, json{{"added", r.added}, {"changed", r.changed}, {"removed", r.removed}}.dump());
  });

  api.add("GET", "/metrics", [impl](const Req& req, Res& res) {
    http::refuse_query(http::url_query(req));
    res.status = 200;
    res.set_content(render_metrics(impl->service.cameras(), impl->service.storage()), kMetricsContentType);
  });
  // Media routes (issue 12) stream their bodies and answer ranges themselves; the token check above covers them.
  http::register_clip_routes(api.server, impl->service);
  http::register_timeline_routes(api.server, impl->service);
  http::register_live_routes(api.server, impl->service, impl->log);
  http::register_web_routes(api.server, impl->token);
}

void configure_server(HttpApi::Impl& api) {
  auto& s = api.server;
  HttpApi::Impl* impl = &api;
  s.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  s.set_read_timeout(kReadTimeoutS, 0);
  s.set_write_timeout(kWriteTimeoutS, 0);
  s.set_keep_alive_timeout(kKeepAliveTimeoutS);
  s.set_keep_alive_max_count(kKeepAliveMaxRequests);
  s.set_payload_max_length(http::kMaxBodyBytes);
  // httplib writes the status line and headers apart from the body; with Nagle on, a keep-alive client's delayed
  // ACK holds the body back ~40 ms (measured: every request, /api/v1/health too, took 44 ms at p50).
  s.set_tcp_nodelay(true);

  // Authentication runs before routing and before the body is read: without the token nothing else of the
  // request is looked at, unknown routes included (they answer 401, not 404, so routes cannot be probed).
  s.set_pre_routing_handler([impl](const httplib::Request& req, httplib::Response& res) {
    if (impl->log) impl->log(http::access_log_line(req));
    if (impl->token.empty() || http::is_public_route(req)) return httplib::Server::HandlerResponse::Unhandled;
    // The page's <video> elements cannot send a header: the login's cookie counts as the token too.
    if (http::bearer_matches(req.get_header_value("Authorization"), impl->token) ||
        http::cookie_matches(req.get_header_value("Cookie"), impl->token))
      return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("WWW-Authenticate", "Bearer realm=\"zcrecd\"");
    reply_error(res, 401, "this zcrecd needs \"Authorization: Bearer TOKEN\" (api.token)");
    return httplib::Server::HandlerResponse::Handled;
  });

  // What httplib answers by itself (no route, body too large, unparsable request) gets the JSON error shape too.
  // Routes that failed already wrote their JSON body and are left alone.
  s.set_error_handler(httplib::Server::HandlerWithResponse([impl](const httplib::Request& req,
                                                                  httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (res.status == 404) {
      const std::string allow = impl->allowed_methods(req.path);
      if (!allow.empty()) {
        res.set_header("Allow", allow);
        reply_error(res, 405, req.method + " is not allowed on " + req.path + " (allowed: " + allow + ")");
        return httplib::Server::HandlerResponse::Handled;
      }
      reply_error(res, 404, "no route " + req.method + " " + req.path);
      return httplib::Server::HandlerResponse::Handled;
    }
    reply_error(res, res.status, reason_of(res.status));
    return httplib::Server::HandlerResponse::Handled;
  }));

  s.set_logger([impl](const httplib::Request& req, const httplib::Response& res) {
    if (res.status >= 500 && impl->log)
      impl->log("api: " + req.method + " " + req.path + " -> " + std::to_string(res.status) + " " + res.body);
  });
}

}  // namespace

HttpApi::HttpApi(Service& service, const ServiceConfig& config, Log log)
    : impl_(std::make_unique<Impl>(service, config, std::move(log))) {
  const auto colon = config.listen.rfind(':');
  if (colon == std::string::npos)
    throw ServiceError(ServiceError::Kind::unavailable, "api.listen must be HOST:PORT, got " + config.listen);
  std::string host = config.listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  // config.cpp refuses this too; the API refuses it again because an open, unauthenticated port is the one
  // mistake that must not depend on a caller remembering to validate.
  if (!is_loopback_host(host) && impl_->token.empty())
    throw ServiceError(ServiceError::Kind::unavailable, "refusing to listen on " + config.listen + " without a token");
  int port = 0;
  try {
    port = std::stoi(config.listen.substr(colon + 1));
  } catch (const std::exception&) {
    throw ServiceError(ServiceError::Kind::unavailable, "api.listen has no port: " + config.listen);
  }

  configure_server(*impl_);
  register_routes(*impl_);

  auto& s = impl_->server;
  if (port == 0) {
    impl_->port = s.bind_to_any_port(host);
  } else {
    impl_->port = s.bind_to_port(host, port) ? port : -1;
  }
  if (impl_->port <= 0) throw ServiceError(ServiceError::Kind::unavailable, "cannot listen on " + config.listen);
  Impl* impl = impl_.get();
  impl_->thread = std::thread([impl] { impl->server.listen_after_bind(); });
  // httplib's stop() does nothing until the accept loop runs; wait for it, so a stop() right after construction
  // cannot leave the thread listening forever.
  while (!s.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

HttpApi::~HttpApi() { stop(); }

int HttpApi::port() const noexcept { return impl_->port; }

void HttpApi::stop() {
  if (!impl_) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace zc::service

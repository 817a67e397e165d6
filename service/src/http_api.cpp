// Minimal routes; the full API (listing, metrics, auth, bounds) grows here.
#include <zc/service/http_api.h>
#include <zc/units/units.h>

#include "http_clip.h"
#include "http_timeline.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <thread>

namespace zc::service {

struct HttpApi::Impl {
  Impl(Service& s, Log l) : service(s), log(std::move(l)) {}
  Service& service;
  Log log;
  httplib::Server server;
  std::thread thread;
  int port = 0;
};

namespace {

int status_of(ServiceError::Kind k) {
  switch (k) {
    case ServiceError::Kind::not_found: return 404;
    case ServiceError::Kind::bad_request: return 400;
    case ServiceError::Kind::conflict: return 409;
    case ServiceError::Kind::unavailable: return 503;
  }
  return 500;
}

void reply_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(nlohmann::json{{"error", {{"status", status}, {"message", message}}}}.dump(), "application/json");
}

template <class Fn>
httplib::Server::Handler guarded(Fn fn) {
  return [fn](const httplib::Request& req, httplib::Response& res) {
    try {
      fn(req, res);
    } catch (const ServiceError& e) {
      reply_error(res, status_of(e.kind()), e.what());
    } catch (const units::UnitsError& e) {
      reply_error(res, 400, e.what());
    } catch (const nlohmann::json::exception& e) {
      reply_error(res, 400, std::string("bad JSON: ") + e.what());
    } catch (const std::exception& e) {
      reply_error(res, 500, e.what());
    }
  };
}

int64_t now_wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<int64_t> duration_field(const nlohmann::json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  const auto& v = body[key];
  if (v.is_number()) return units::seconds_to_duration_ns(v.get<double>());
  if (v.is_string()) return units::parse_duration_ns(v.get<std::string>());
  throw ServiceError(ServiceError::Kind::bad_request, std::string(key) + " must be a duration (\"5s\") or seconds");
}

}  // namespace

HttpApi::HttpApi(Service& service, const ServiceConfig& config, Log log)
    : impl_(std::make_unique<Impl>(service, std::move(log))) {
  auto& s = impl_->server;
  Impl* impl = impl_.get();
  s.Get("/api/v1/cameras", guarded([impl](const httplib::Request&, httplib::Response& res) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& c : impl->service.cameras()) {
      items.push_back({{"name", c.name},
                       {"ingest_state", c.ingest_state},
                       {"fps", c.fps},
                       {"bitrate_bps", c.bitrate_bps},
                       {"ring_history_s", c.ring_history_s},
                       {"reconnects", c.reconnects},
                       {"ingest_restarts", c.ingest_restarts},
                       {"recording_state", c.recording_state},
                       {"open_events", c.open_events},
                       {"last_error", c.last_error}});
    }
    res.set_content(nlohmann::json{{"items", items}}.dump(), "application/json");
  }));
  s.Post(R"(/api/v1/cameras/([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})/events)",
         guarded([impl](const httplib::Request& req, httplib::Response& res) {
           const nlohmann::json body = req.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(req.body);
           if (!body.is_object()) throw ServiceError(ServiceError::Kind::bad_request, "the body must be a JSON object");
           EventRequest r;
           if (body.contains("label")) r.label = body["label"].get<std::string>();
           r.preroll_ns = duration_field(body, "preroll");
           r.postroll_ns = duration_field(body, "postroll");
           r.duration_ns = duration_field(body, "duration");
           if (body.contains("start")) r.start_wall_ns = units::parse_time_ns(body["start"].get<std::string>(), now_wall_ns());
           const int64_t id = impl->service.create_event(req.matches[1].str(), r);
           res.status = 201;
           res.set_content(nlohmann::json{{"id", id}}.dump(), "application/json");
         }));
  s.Post(R"(/api/v1/events/(\d{1,18})/end)", guarded([impl](const httplib::Request& req, httplib::Response& res) {
           impl->service.end_event(std::stoll(req.matches[1].str()));
           res.set_content(nlohmann::json{{"ended", true}}.dump(), "application/json");
         }));
  http::register_clip_routes(s, service);
  http::register_timeline_routes(s, service);
  s.Post("/api/v1/reload", guarded([impl](const httplib::Request&, httplib::Response& res) {
           try {
             const auto r = impl->service.reload();
             res.set_content(
                 nlohmann::json{{"added", r.added}, {"changed", r.changed}, {"removed", r.removed}}.dump(),
                 "application/json");
           } catch (const ConfigError& e) {
             reply_error(res, 400, e.what());
           }
         }));

  const auto colon = config.listen.rfind(':');
  std::string host = config.listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  const int port = std::stoi(config.listen.substr(colon + 1));
  if (port == 0) {
    impl_->port = s.bind_to_any_port(host);
  } else {
    impl_->port = s.bind_to_port(host, port) ? port : -1;
  }
  if (impl_->port <= 0) throw ServiceError(ServiceError::Kind::unavailable, "cannot listen on " + config.listen);
  impl_->thread = std::thread([impl] { impl->server.listen_after_bind(); });
}

HttpApi::~HttpApi() { stop(); }

int HttpApi::port() const noexcept { return impl_->port; }

void HttpApi::stop() {
  if (!impl_) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace zc::service

#include "http_router.h"

namespace zc::service::http {

namespace {

const std::string& route_method(const std::string& method) {
  static const std::string get = "GET";
  return method == "HEAD" ? get : method;
}

}  // namespace

void Router::add(const std::string& method, const std::string& pattern, RouteFn fn, Pool pool) {
  routes_.push_back({method, std::regex(pattern), std::move(fn), pool});
}

const Router::Route* Router::find(const Request& req, std::smatch* m) const {
  const std::string& method = route_method(req.method);
  for (const auto& r : routes_) {
    if (r.method != method) continue;
    std::smatch local;
    if (std::regex_match(req.path, m ? *m : local, r.pattern)) return &r;
  }
  return nullptr;
}

Pool Router::pool_of(const Request& req) const {
  try {
    const Route* r = find(req, nullptr);
    return r ? r->pool : Pool::api;
  } catch (...) {  // std::regex may throw (complexity) on a hostile path: the api pool answers it
    return Pool::api;
  }
}

void Router::handle(Request& req, Response& res) const noexcept {
  run_guarded(req, res, [this, &req](const Request&, Response& r) {
    std::smatch m;
    if (const Route* route = find(req, &m)) {
      req.matches.assign(m.begin(), m.end());
      route->fn(req, r);
      return;
    }
    std::string allow;
    for (const auto& route : routes_) {
      if (allow.find(route.method) == std::string::npos && std::regex_match(req.path, route.pattern))
        allow += (allow.empty() ? "" : ", ") + route.method;
    }
    if (!allow.empty()) {
      r.set_header("Allow", allow);
      reply_error(r, 405, req.method + " is not allowed on " + req.path + " (allowed: " + allow + ")");
      return;
    }
    reply_error(r, 404, "no route " + req.method + " " + req.path);
  });
}

}  // namespace zc::service::http

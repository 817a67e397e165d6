// The route table: method + path pattern -> handler, and which worker pool runs it. A path known under another
// method answers 405 (with Allow) instead of 404. HEAD is GET without the body.
#pragma once

#include "http_errors.h"
#include "http_message.h"

#include <regex>
#include <string>
#include <vector>

namespace zc::service::http {

// api: short answers (JSON, the page's files); media: the routes that stream footage or read a lot of the
// catalog (clip.mp4, live.mp4, stream, timeline). They run on separate workers, so viewers can never take the
// workers a door controller's event needs (http_server.h has the numbers).
enum class Pool { api, media };

class Router {
 public:
  // `pattern` is an ECMAScript regex matched against the whole decoded path.
  void add(const std::string& method, const std::string& pattern, RouteFn fn, Pool pool = Pool::api);
  void get(const std::string& pattern, RouteFn fn, Pool pool = Pool::api) { add("GET", pattern, std::move(fn), pool); }
  void post(const std::string& pattern, RouteFn fn, Pool pool = Pool::api) { add("POST", pattern, std::move(fn), pool); }

  // The pool of the route `req` goes to (api when none: its 404/405 is short).
  Pool pool_of(const Request& req) const;
  // Runs the route of `req` (filling its matches) guarded (run_guarded), or answers 404/405. Never throws.
  void handle(Request& req, Response& res) const noexcept;

 private:
  struct Route {
    std::string method;
    std::regex pattern;
    RouteFn fn;
    Pool pool;
  };
  const Route* find(const Request& req, std::smatch* m) const;

  std::vector<Route> routes_;
};

}  // namespace zc::service::http

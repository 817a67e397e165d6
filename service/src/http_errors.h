// How the HTTP API fails: every refusal is an HttpError (status + message) or a domain error mapped to a status,
// and every error body has one shape, {"error": {"status": N, "message": "..."}}, so a client parses one thing.
#pragma once

#include <httplib.h>

#include <functional>
#include <stdexcept>
#include <string>

namespace zc::service::http {

// A request the API refuses before it reaches the service; status is the HTTP status (400, 401, 404, 413, ...).
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

void reply_json(httplib::Response& res, int status, const std::string& json_text);
void reply_error(httplib::Response& res, int status, const std::string& message);

using RouteFn = std::function<void(const httplib::Request&, httplib::Response&)>;

// Runs a route and turns what it throws into the JSON error of the right status: HttpError its own status,
// ServiceError by kind (404/400/409/503), ConfigError and UnitsError 400, a catalog that is missing or busy 503,
// anything else 500 (the message is logged and returned: the API is for the box's operator, not the public).
void run_guarded(const httplib::Request& req, httplib::Response& res, const RouteFn& route);

}  // namespace zc::service::http

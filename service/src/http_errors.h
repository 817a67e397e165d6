// How the HTTP API fails: every refusal is an HttpError (status + message) or a domain error mapped to a status,
// and every error body has one shape, {"error": {"status": N, "message": "..."}}, so a client parses one thing.
#pragma once

#include "http_message.h"

#include <nlohmann/json_fwd.hpp>

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

// JSON text of `j` that never throws on a string that is not UTF-8 (a client's bytes in a message, a label
// another tool wrote into the catalog): such bytes become U+FFFD. nlohmann's default dump() throws type_error
// 316 there, which is what killed zcrecd on `GET /%ff` (issue 18).
std::string dump_json(const nlohmann::json& j);

void reply_json(Response& res, int status, const std::string& json_text);
void reply_error(Response& res, int status, const std::string& message);
// The error body alone (for answers the server writes by itself: 408, 413, 431, ...).
std::string error_body(int status, const std::string& message);

using RouteFn = std::function<void(const Request&, Response&)>;

// Runs a route and turns what it throws into the JSON error of the right status: HttpError its own status,
// ServiceError by kind (404/400/409/503), ConfigError and UnitsError 400, a catalog that is missing or busy 503,
// anything else 500 (the message is logged and returned: the API is for the box's operator, not the public).
// Never throws.
void run_guarded(const Request& req, Response& res, const RouteFn& route) noexcept;

}  // namespace zc::service::http

// The HTTP API without its sockets: the route table, the access log, authentication and the refusals that come
// before any route. HttpApi puts it behind a Server (http_server.h); the fuzz target
// (tests/fuzz/http_request_fuzz.cpp) feeds it parsed requests directly.
#pragma once

#include "http_message.h"
#include "http_router.h"
#include "http_server.h"

#include <zc/service/service.h>

#include <functional>
#include <optional>
#include <string>

namespace zc::service::http {

class App {
 public:
  using Log = std::function<void(const std::string&)>;
  // token: api.token (empty: none).
  App(Service& service, std::string token, Log log);
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Once the head is read: writes the access log line, refuses a token in the URL (400) and a request without
  // the token (401, unknown routes included, so routes cannot be probed). nullopt: read the body and route it.
  std::optional<Response> on_head(const Request& head) const;
  Pool pool_of(const Request& req) const { return router_.pool_of(req); }
  // Routes a complete request (after on_head let it through). Never throws.
  void handle(Request& req, Response& res) const noexcept { router_.handle(req, res); }

  ServerHandler server_handler() const;

 private:
  Service& service_;
  const std::string token_;  // the api section is read at start; a reload does not change it
  Log log_;
  Router router_;
};

}  // namespace zc::service::http

// zcrecd's HTTP API (JSON over HTTP/1.1, a Boost.Beast server core; docs/service.md and docs/openapi.yaml describe the routes). A thin
// layer: every route validates and bounds its input, then calls Service or reads the catalog read-only.
#pragma once

#include <zc/service/service.h>

#include <functional>
#include <memory>
#include <string>

namespace zc::service {

class HttpApi {
 public:
  using Log = std::function<void(const std::string&)>;
  // Binds config.listen (port 0: any free port, see port()). Throws ServiceError(unavailable) when it cannot
  // bind. Serves on its own threads until stop() or destruction.
  HttpApi(Service& service, const ServiceConfig& config, Log log);
  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  int port() const noexcept;
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::service

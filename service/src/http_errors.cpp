#include "http_errors.h"

#include <zc/catalog/error.h>
#include <zc/service/config.h>
#include <zc/service/service.h>
#include <zc/units/units.h>

#include <nlohmann/json.hpp>

namespace zc::service::http {

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

int status_of(catalog::CatalogErrc c) {
  switch (c) {
    // The daemon creates the catalog at start; until then, or while another process holds it, ask again later.
    case catalog::CatalogErrc::no_catalog:
    case catalog::CatalogErrc::catalog_busy: return 503;
    // A row the catalog refuses (a value past its limits that got through): the request's fault.
    case catalog::CatalogErrc::invalid_argument: return 400;
    default: return 500;
  }
}

}  // namespace

std::string dump_json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string error_body(int status, const std::string& message) {
  return dump_json(nlohmann::json{{"error", {{"status", status}, {"message", message}}}});
}

void reply_json(Response& res, int status, const std::string& json_text) {
  res.status = status;
  res.set_content(json_text, "application/json");
}

void reply_error(Response& res, int status, const std::string& message) {
  reply_json(res, status, error_body(status, message));
}

void run_guarded(const Request& req, Response& res, const RouteFn& route) noexcept {
  // A route may have set headers (Content-Range, ...) before it failed: the error answer starts clean.
  const auto fail = [&res](int status, const std::string& message) noexcept {
    try {
      res = Response{};
      reply_error(res, status, message);
    } catch (...) {  // out of memory: the server answers 500 with a fixed body
      res.status = 500;
      res.body.clear();
    }
  };
  try {
    route(req, res);
  } catch (const HttpError& e) {
    fail(e.status(), e.what());
  } catch (const ServiceError& e) {
    fail(status_of(e.kind()), e.what());
  } catch (const ConfigError& e) {
    fail(400, e.what());
  } catch (const units::UnitsError& e) {
    fail(400, e.what());
  } catch (const catalog::CatalogError& e) {
    fail(status_of(e.code()), std::string("catalog: ") + e.what());
  } catch (const std::exception& e) {
    fail(500, e.what());
  } catch (...) {
    fail(500, "unexpected failure");
  }
}

}  // namespace zc::service::http

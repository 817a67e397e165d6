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

void reply_json(httplib::Response& res, int status, const std::string& json_text) {
  res.status = status;
  res.set_content(json_text, "application/json");
}

void reply_error(httplib::Response& res, int status, const std::string& message) {
  reply_json(res, status, nlohmann::json{{"error", {{"status", status}, {"message", message}}}}.dump());
}

void run_guarded(const httplib::Request& req, httplib::Response& res, const RouteFn& route) {
  try {
    route(req, res);
  } catch (const HttpError& e) {
    reply_error(res, e.status(), e.what());
  } catch (const ServiceError& e) {
    reply_error(res, status_of(e.kind()), e.what());
  } catch (const ConfigError& e) {
    reply_error(res, 400, e.what());
  } catch (const units::UnitsError& e) {
    reply_error(res, 400, e.what());
  } catch (const catalog::CatalogError& e) {
    reply_error(res, status_of(e.code()), std::string("catalog: ") + e.what());
  } catch (const std::exception& e) {
    reply_error(res, 500, e.what());
  }
}

}  // namespace zc::service::http

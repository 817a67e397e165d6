// The web page (service/web, compiled in): GET / and its files, and POST /api/v1/login, which turns the API
// token typed into the page into an HttpOnly, SameSite=Strict cookie (docs/web.md, "Authentication").
#pragma once

#include "http_message.h"
#include "http_router.h"

#include <string>

namespace zc::service::http {

void register_web_routes(Router& router, std::string token);

// What answers without a token: the page's own files (they hold no data, and the page must load to show its
// login field) and the login route itself. Everything else needs the bearer header or the cookie.
bool is_public_route(const Request& req);

}  // namespace zc::service::http

#include "http_web.h"

#include "http_auth.h"
#include "http_errors.h"
#include "web_assets.h"

#include <nlohmann/json.hpp>

namespace zc::service::http {

namespace {

constexpr const char* kLoginPath = "/api/v1/login";
constexpr const char* kLogoutPath = "/api/v1/logout";

const WebAsset* asset_for(const std::string& path) {
  const std::string_view wanted = path == "/" ? std::string_view("/index.html") : std::string_view(path);
  for (const auto& a : web_assets())
    if (a.path == wanted) return &a;
  return nullptr;
}

}  // namespace

bool is_public_route(const Request& req) {
  if (req.method == "GET" || req.method == "HEAD") return asset_for(req.path) != nullptr || req.path == kLoginPath;
  return req.method == "POST" && (req.path == kLoginPath || req.path == kLogoutPath);
}

void register_web_routes(Router& router, std::string token) {
  for (const auto& a : web_assets()) {
    const std::string pattern = a.path == "/index.html" ? "/(index\\.html)?" : std::string(a.path);
    router.get(pattern, [&a](const Request&, Response& res) {
      // The page is small and changes with the binary: revalidate rather than cache stale script.
      res.set_header("Cache-Control", "no-cache");
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_content(std::string(a.body.data(), a.body.size()), std::string(a.content_type));
    });
  }

  // Whether the page must show its login field: asked before any API call, so a page that needs the token never
  // produces a failed (401) request just to find that out.
  router.get(kLoginPath, [token](const Request& req, Response& res) {
    const bool authenticated = token.empty() || bearer_matches(req.header("Authorization"), token) ||
                               cookie_matches(req.header("Cookie"), token);
    reply_json(res, 200, dump_json(nlohmann::json{{"token_required", !token.empty()}, {"authenticated", authenticated}}));
  });

  router.post(kLoginPath, [token](const Request& req, Response& res) {
    // {"token": "..."} is one level deep: anything nested deeper is refused while parsing, before it is built.
    const nlohmann::json::parser_callback_t flat = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
      if (depth > 2) throw HttpError(400, "the body must be {\"token\": \"...\"}");
      return true;
    };
    nlohmann::json body;
    try {
      body = nlohmann::json::parse(req.body, flat);
    } catch (const nlohmann::json::parse_error&) {
      throw HttpError(400, "the body is not valid JSON");
    }
    if (!body.is_object() || !body.contains("token") || !body["token"].is_string())
      throw HttpError(400, "the body must be {\"token\": \"...\"}");
    if (token.empty()) {  // an API without a token: nothing to remember
      res.status = 204;
      return;
    }
    if (!bearer_matches("Bearer " + body["token"].get<std::string>(), token)) throw HttpError(401, "wrong token");
    // HttpOnly: page script never sees it; SameSite=Strict: no other site's page can make the browser send it.
    res.set_header("Set-Cookie", std::string(kTokenCookie) + "=" + token_cookie_value(token) +
                                     "; Path=/; HttpOnly; SameSite=Strict");
    res.status = 204;
  });

  router.post(kLogoutPath, [](const Request&, Response& res) {
    res.set_header("Set-Cookie", std::string(kTokenCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    res.status = 204;
  });
}

}  // namespace zc::service::http

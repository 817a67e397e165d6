// The web page's files (service/web), compiled into zcrecd by service/web/embed_assets.cmake.
#pragma once

#include <span>
#include <string_view>

namespace zc::service::http {

struct WebAsset {
  std::string_view path;          // "/index.html", "/app.js", ...
  std::string_view content_type;
  std::string_view body;
};

std::span<const WebAsset> web_assets();

}  // namespace zc::service::http

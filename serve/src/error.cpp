#include <zc/serve/error.h>

namespace zc::serve {

const char* to_string(ServeErrc code) noexcept {
  switch (code) {
    case ServeErrc::invalid_argument: return "invalid_argument";
    case ServeErrc::address_in_use: return "address_in_use";
    case ServeErrc::listen_failed: return "listen_failed";
    case ServeErrc::missing_plugin: return "missing_plugin";
    case ServeErrc::gstreamer: return "gstreamer";
  }
  return "unknown";
}

}  // namespace zc::serve

#include <zc/objectstore/error.h>

namespace zc::objectstore {

const char* to_string(ObjectStoreErrc code) noexcept {
  switch (code) {
    case ObjectStoreErrc::invalid_argument: return "invalid_argument";
    case ObjectStoreErrc::network: return "network";
    case ObjectStoreErrc::auth: return "auth";
    case ObjectStoreErrc::not_found: return "not_found";
    case ObjectStoreErrc::server: return "server";
    case ObjectStoreErrc::io: return "io";
    case ObjectStoreErrc::credentials: return "credentials";
  }
  return "unknown";
}

}  // namespace zc::objectstore

#include <zc/catalog/error.h>
#include <zc/recorder/error.h>

#include <cerrno>
#include <cstring>

namespace zc::recorder {

const char* to_string(RecorderErrc code) noexcept {
  switch (code) {
    case RecorderErrc::invalid_argument: return "invalid_argument";
    case RecorderErrc::no_space: return "no_space";
    case RecorderErrc::io: return "io";
    case RecorderErrc::media: return "media";
    case RecorderErrc::unsupported: return "unsupported";
    case RecorderErrc::no_stream: return "no_stream";
  }
  return "unknown";
}

bool is_no_space(const std::exception& e) noexcept {
  if (const auto* r = dynamic_cast<const RecorderError*>(&e)) return r->code() == RecorderErrc::no_space;
  if (const auto* c = dynamic_cast<const catalog::CatalogError*>(&e)) return c->code() == catalog::CatalogErrc::no_space;
  return false;
}

void throw_io_error(const std::string& what, int err) {
  const bool full = err == ENOSPC || err == EDQUOT;
  throw RecorderError(full ? RecorderErrc::no_space : RecorderErrc::io, what + ": " + std::strerror(err));
}

}  // namespace zc::recorder

#include <zc/recorder/error.h>

#include <cerrno>
#include <cstring>

namespace zc::recorder {

const char* to_string(RecorderErrc code) noexcept {
  switch (code) {
    case RecorderErrc::invalid_argument: return "invalid_argument";
    case RecorderErrc::catalog: return "catalog";
    case RecorderErrc::catalog_busy: return "catalog_busy";
    case RecorderErrc::catalog_too_new: return "catalog_too_new";
    case RecorderErrc::no_space: return "no_space";
    case RecorderErrc::io: return "io";
    case RecorderErrc::media: return "media";
    case RecorderErrc::unsupported: return "unsupported";
    case RecorderErrc::no_stream: return "no_stream";
    case RecorderErrc::no_catalog: return "no_catalog";
  }
  return "unknown";
}

void throw_io_error(const std::string& what, int err) {
  const bool full = err == ENOSPC || err == EDQUOT;
  throw RecorderError(full ? RecorderErrc::no_space : RecorderErrc::io, what + ": " + std::strerror(err));
}

}  // namespace zc::recorder

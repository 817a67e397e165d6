#include <zc/restream/restream.h>

namespace zc::restream {

const char* to_string(RestreamErrc code) noexcept {
  switch (code) {
    case RestreamErrc::invalid_argument: return "invalid_argument";
    case RestreamErrc::ring: return "ring";
  }
  return "unknown";
}

}  // namespace zc::restream

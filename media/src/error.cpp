#include <zc/media/error.h>

namespace zc::media {

const char* to_string(MediaErrc code) noexcept {
  switch (code) {
    case MediaErrc::open_failed: return "open_failed";
    case MediaErrc::unsupported_codec: return "unsupported_codec";
    case MediaErrc::invalid_data: return "invalid_data";
    case MediaErrc::encoder: return "encoder";
    case MediaErrc::invalid_argument: return "invalid_argument";
    case MediaErrc::io: return "io";
    case MediaErrc::muxer: return "muxer";
  }
  return "unknown";
}

}  // namespace zc::media

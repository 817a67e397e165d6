// Errors of the media domain (demuxing, encoding the test source, Annex-B parsing, MP4 track setup).
#pragma once

#include <stdexcept>
#include <string>

namespace zc::media {

enum class MediaErrc {
  open_failed,        // libavformat could not open or probe the source (missing file, unreachable URL)
  unsupported_codec,  // no track with a codec zcrec carries (H.264, H.265, AAC, G.711, Opus)
  invalid_data,       // the source produced data that cannot be parsed
  encoder,            // the test-source encoder failed (libx264/libx265/aac)
  invalid_argument,   // bad option value
  io,                 // reading failed after the source was opened
  muxer,              // setting up an MP4 track for libavformat's muxer failed (out of memory)
};

const char* to_string(MediaErrc code) noexcept;

class MediaError : public std::runtime_error {
 public:
  MediaError(MediaErrc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  MediaErrc code() const noexcept { return code_; }

 private:
  MediaErrc code_;
};

}  // namespace zc::media

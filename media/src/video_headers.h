// Reads what zcrec needs from the headers of an Annex-B access unit through libavcodec's parser (no
// decoding): picture size from the SPS and picture order count from the slice header. Raw .h264/.h265 input
// has no timestamps, and the POC is what restores presentation order with B-frames.
#pragma once

#include <zc/fifo/frame.h>
#include <zc/media/ffmpeg_ptr.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace zc::media {

class VideoHeaderParser {
 public:
  explicit VideoHeaderParser(fifo::Codec codec);

  struct Headers {
    int width = 0, height = 0;  // 0 when no SPS has been seen yet
    std::optional<int> poc;     // picture order count of this access unit, when the parser found one
  };
  Headers parse(std::span<const uint8_t> access_unit);

 private:
  CodecContextPtr context_;
  ParserPtr parser_;
  std::vector<uint8_t> padded_;  // libavcodec parsers may read AV_INPUT_BUFFER_PADDING_SIZE past the end
};

}  // namespace zc::media

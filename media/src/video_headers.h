// Reads what zcrec needs from the headers of an Annex-B access unit through libavcodec's parser (no
// decoding): picture size from the SPS, picture order count from the slice header, and whether the picture is a
// keyframe. Raw .h264/.h265 input has no timestamps, and the POC is what restores presentation order with
// B-frames.
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

  // Also work out each access unit's duration as libavformat's raw "h264"/"hevc" demuxers do for their packets
  // (Headers::duration), in `time_base`, with `demuxer_rate` as the frame rate until an SPS declares one.
  void compute_durations(AVRational demuxer_rate, AVRational time_base);

  struct Headers {
    int width = 0, height = 0;  // 0 when no SPS has been seen yet
    std::optional<int> poc;     // picture order count of this access unit, when the parser found one
    // A random access point as libavformat's raw demuxers flag it (the same parser decides): H.264 an IDR or a
    // picture with a recovery point SEI, H.265 an IRAP picture.
    bool keyframe = false;
    int64_t duration = 0;  // with compute_durations(); 0 when unknown, as for libavformat
  };
  Headers parse(std::span<const uint8_t> access_unit);

 private:
  fifo::Codec codec_;
  CodecContextPtr context_;
  ParserPtr parser_;
  std::vector<uint8_t> padded_;  // libavcodec parsers may read AV_INPUT_BUFFER_PADDING_SIZE past the end
  std::optional<AVRational> duration_time_base_;  // compute_durations()
};

}  // namespace zc::media

// A segment row for the catalog tests: an H.264 1280x720 segment of stream "cam" at `start_wall_ns`, named as the
// recorder names its files (cam/RECORDING-ORDINAL.mp4).
#pragma once

#include <zc/catalog/catalog.h>

#include <cstdint>
#include <string>

namespace zc::test {

inline catalog::NewSegment segment_row(int64_t recording_id, int64_t ordinal, int64_t start_wall_ns) {
  catalog::NewSegment s;
  s.recording_id = recording_id;
  s.ordinal = ordinal;
  s.path = "cam/" + std::to_string(recording_id) + "-" + std::to_string(ordinal) + ".mp4";
  s.start_wall_ns = start_wall_ns;
  s.video_codec = "h264";
  s.width = 1280;
  s.height = 720;
  s.video_config = {0, 0, 0, 1, 0x67};
  return s;
}

}  // namespace zc::test

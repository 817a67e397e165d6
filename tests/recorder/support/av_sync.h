// Audio/video synchronisation of a recording judged against its source, with the real tools: ffprobe's packet
// timestamps and bytes of both files, and decoded pictures (framemd5) to find which source frame a segment
// starts with. An audio frame is identified in the source by its bytes (an ADTS header stripped), so the
// source's audio must not repeat itself (use noise, not a sine).
#pragma once

#include <filesystem>
#include <string>

namespace zc::test {

struct AvSync {
  size_t audio_frames = 0;  // in the recording
  size_t matched = 0;       // of those, found in the source by their bytes
  // The largest |(recorded audio pts - recorded first video pts) - (source audio pts - source pts of that
  // video frame)|, in seconds, over the matched frames.
  double worst_error_s = 0;
  double audio_frame_s = 0;      // duration of one audio frame of the recording (1024 / sample rate for AAC)
  int64_t source_video_index = -1;  // which source picture (presentation order) the recording starts with
  std::string detail;           // what went wrong or the worst frame, for assertion messages
};

AvSync measure_av_sync(const std::filesystem::path& source, const std::filesystem::path& recording);

}  // namespace zc::test

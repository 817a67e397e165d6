// Writes a time range of a timeline into playable MP4 files (movie header first, no re-encoding). Where the
// codec parameters change inside the range, each run of equal parameters gets its own file: clip.mp4,
// clip-2.mp4, clip-3.mp4 ... (docs/playback.md).
#pragma once

#include <zc/playback/timeline.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace zc::playback {

struct ExportedFile {
  std::filesystem::path path;
  uint64_t video_frames = 0, audio_frames = 0, keyframes = 0;
  int64_t first_wall_ns = 0, last_wall_ns = 0;
  std::string codec;
  uint32_t width = 0, height = 0;
};

struct ExportResult {
  std::vector<ExportedFile> files;
  std::vector<std::string> segment_errors;
  uint64_t gaps = 0;
};

struct ExportOptions {
  bool audio = true;
  // Called after each segment with (segments done, segments total).
  std::function<void(size_t, size_t)> progress;
};

// Throws PlaybackError(nothing_to_play, output_failed).
ExportResult export_timeline(const Timeline& timeline, const std::filesystem::path& output,
                             const ExportOptions& options = {});

}  // namespace zc::playback

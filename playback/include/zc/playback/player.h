// Replays a Timeline into a FrameSink: starts at the keyframe at or before the requested start (frames before
// it flagged decode_only), paces by the frames' wall-clock times at a speed, announces gaps and unreadable
// segments with the discontinuity flag, and obeys the fifo's control requests. docs/playback.md has the rules.
#pragma once

#include <zc/playback/frame_sink.h>
#include <zc/playback/timeline.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace zc::playback {

inline constexpr double kMinSpeed = 1.0 / 16;
inline constexpr double kMaxSpeed = 16.0;

struct PlayOptions {
  double speed = 1.0;           // real time x speed, kMinSpeed..kMaxSpeed
  bool max = false;             // no pacing: as fast as the sink takes frames
  bool keyframes_only = false;  // only video keyframes (trick play)
  bool reverse = false;         // keyframes in reverse time order (implies keyframes_only)
  bool audio = true;            // carry the audio track (never in keyframes-only mode)
};

struct PlayResult {
  uint64_t frames = 0, keyframes = 0, decode_only = 0, discontinuities = 0, seeks = 0;
  // Segments opened at a keyframe's fragment through the catalog's index (docs/playback.md, "Seeking"), and
  // index offsets that failed their check (those segments were read from the start).
  uint64_t index_jumps = 0, index_fallbacks = 0;
  std::vector<std::string> segment_errors;  // one line per unreadable segment; the rest still played
};

class Player {
 public:
  // `on_segment_error` hears about every segment that could not be read completely (default: ignored).
  Player(Timeline timeline, PlayOptions options,
         std::function<void(const std::string&)> on_segment_error = {});
  // Throws PlaybackError(invalid_argument, peer_gone, output_failed). Segment failures do not throw.
  PlayResult run(FrameSink& sink);

 private:
  Timeline timeline_;
  PlayOptions options_;
  std::function<void(const std::string&)> on_segment_error_;
};

}  // namespace zc::playback

// When the recorder closes one segment and opens the next. Segments start only at video keyframes; a new one
// begins at the first keyframe after the segment length, and at a real codec-parameter change (different codec,
// size or parameter-set bytes — a re-sent identical stream info does not count). Breaks in the stream (lost
// frames, a writer restart) are not rotations: the segment goes on across a break or is closed there
// (stream_break.cpp).
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>
#include <optional>

namespace zc::recorder {

enum class RotateReason { none, length, params_changed };

// The parameters a segment file was opened with; equality is "nothing a decoder would notice changed".
struct SegmentParams {
  fifo::TrackInfo video;
  std::optional<fifo::TrackInfo> audio;
  bool operator==(const SegmentParams&) const = default;
};

// Picks the video track and the first G.711 track or AAC track that has its AudioSpecificConfig; nullopt
// without a recordable video track.
std::optional<SegmentParams> params_of(const fifo::StreamInfo& info);

class RotationPolicy {
 public:
  explicit RotationPolicy(int64_t segment_ns) : segment_ns_(segment_ns) {}

  // Called for each video frame of an open segment before it is written.
  RotateReason check(const fifo::FrameHeader& frame, const SegmentParams& current, const SegmentParams& now,
                     int64_t segment_start_mono_ns) const noexcept;

 private:
  int64_t segment_ns_;
};

}  // namespace zc::recorder

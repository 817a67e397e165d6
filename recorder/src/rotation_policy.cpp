#include "rotation_policy.h"

namespace zc::recorder {

std::optional<SegmentParams> params_of(const fifo::StreamInfo& info) {
  const fifo::TrackInfo* v = info.first_of(fifo::MediaKind::video);
  if (v == nullptr || (v->codec != fifo::Codec::h264 && v->codec != fifo::Codec::h265)) return std::nullopt;
  SegmentParams p;
  p.video = *v;
  for (const auto& t : info.tracks) {
    // G.711 is recorded as AAC (g711_to_aac.h); the segment's parameters are still the source track's. Without
    // its AudioSpecificConfig an AAC track cannot be described in MP4 (an esds without decoder info is refused
    // by browsers): such a track is skipped until the writer provides the config.
    const bool aac = t.codec == fifo::Codec::aac && !t.config.empty();
    if (t.kind == fifo::MediaKind::audio &&
        (aac || t.codec == fifo::Codec::pcm_alaw || t.codec == fifo::Codec::pcm_mulaw)) {
      p.audio = t;
      break;
    }
  }
  return p;
}

RotateReason RotationPolicy::check(const fifo::FrameHeader& frame, const SegmentParams& current,
                                   const SegmentParams& now, int64_t segment_start_mono_ns) const noexcept {
  if (!frame.is_key()) return RotateReason::none;
  // Compare content, not generations: a writer that re-sends identical parameter sets bumps the generation.
  if (!(now == current)) return RotateReason::params_changed;
  if (frame.mono_ns - segment_start_mono_ns >= segment_ns_) return RotateReason::length;
  return RotateReason::none;
}

}  // namespace zc::recorder

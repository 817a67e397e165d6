#include "video_track.h"

#include <zc/media/annexb.h>

namespace zc::media {

VideoTrack::VideoTrack(fifo::Codec codec, std::span<const uint8_t> config, std::optional<RawTimestamps> raw_times)
    : codec_(codec), params_(codec, config), headers_(codec), raw_times_(std::move(raw_times)) {}

void VideoTrack::finish(std::span<const uint8_t> au, std::optional<bool> keyframe, fifo::TrackInfo& ti,
                        MediaPacket& out) {
  // A container's packets carry their own times, so their headers are read only where a keyframe may bring new
  // parameter sets; raw input needs every picture's POC.
  std::optional<VideoHeaderParser::Headers> headers;
  if (raw_times_ || !keyframe || *keyframe) headers = headers_.parse(au);
  out.keyframe = keyframe ? *keyframe : headers->keyframe;
  if (durations_) out.duration = headers->duration;
  if (out.keyframe && params_.update_from_keyframe(au)) {
    ti.config = params_.config();
    if (headers->width > 0 && headers->height > 0) {
      ti.width = static_cast<uint32_t>(headers->width);
      ti.height = static_cast<uint32_t>(headers->height);
    }
    out.params_changed = true;
  }
  if (raw_times_) {
    const auto stamp = raw_times_->next(headers->poc, out.keyframe && annexb::contains_idr(codec_, au));
    out.pts = stamp.pts;
    out.dts = stamp.dts;
  }
}

}  // namespace zc::media

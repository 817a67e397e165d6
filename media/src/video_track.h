// One video track's state from access unit to access unit, shared by MediaSource (whatever libavformat demuxes)
// and the native Annex-B pipe reader (annexb_pipe_source.cpp), so that both decide keyframes, parameter-set
// changes, picture size and raw-stream timestamps with the same code: the parameter sets in force, libavcodec's
// header parser, and for raw Annex-B input the timestamps it lacks.
#pragma once

#include "parameter_sets.h"
#include "raw_timestamps.h"
#include "video_headers.h"

#include <zc/fifo/frame.h>
#include <zc/media/packet_source.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace zc::media {

class VideoTrack {
 public:
  // `config`: the stream's parameter sets in Annex-B (the demuxer's extradata; anything else in it is dropped).
  // `raw_times` for a raw elementary stream, which has no timestamps of its own.
  VideoTrack(fifo::Codec codec, std::span<const uint8_t> config, std::optional<RawTimestamps> raw_times);

  // Raw input split without libavformat: out.duration as libavformat's raw demuxers give it (VideoHeaderParser::
  // compute_durations).
  void compute_durations(AVRational demuxer_rate, AVRational time_base) {
    headers_.compute_durations(demuxer_rate, time_base);
    durations_ = true;
  }

  const std::vector<uint8_t>& config() const noexcept { return params_.config(); }
  bool raw() const noexcept { return raw_times_.has_value(); }

  // One access unit in decoding order. Sets out.keyframe (to `keyframe` when the demuxer said, else as
  // libavformat's raw demuxers decide it, through the same parser), out.params_changed (a keyframe whose
  // parameter sets differ from those in force: `ti`'s config and picture size are updated), and for raw input
  // out.pts/out.dts, and out.duration after compute_durations(). Nothing else of `out` is touched.
  void finish(std::span<const uint8_t> access_unit, std::optional<bool> keyframe, fifo::TrackInfo& ti,
              MediaPacket& out);

 private:
  fifo::Codec codec_;
  ParameterSets params_;
  VideoHeaderParser headers_;
  std::optional<RawTimestamps> raw_times_;
  bool durations_ = false;
};

}  // namespace zc::media

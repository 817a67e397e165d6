// What `zcrec feed` reads from: a demuxed file or URL (MediaSource) or the synthetic camera (TestSource).
// Both hand out access units ready for a ring: Annex-B video, raw AAC/G.711/Opus audio.
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>
#include <vector>

namespace zc::media {

struct MediaPacket {
  uint32_t track = 0;  // TrackInfo::track_id of the track in stream_info()
  int64_t pts = 0;     // in the track's time base
  int64_t dts = 0;
  int64_t duration = 0;  // 0 when unknown
  bool keyframe = false;
  // stream_info() changed with this packet (new parameter sets, resolution or codec): publish it before
  // writing the packet. An identical re-sent SPS does not set this.
  bool params_changed = false;
  // Frames are missing before this one, or the timeline was re-anchored (a reconnect, a jump in the camera's
  // clock): the ring marks a discontinuity.
  bool discontinuity = false;
  // libavformat flagged the packet corrupt (e.g. lost RTP packets): it must not be written as a clean frame.
  bool corrupt = false;
  // When the frame was captured on the source's own wall clock (ns since the Unix epoch), where the source says:
  // RTSP once the camera's first RTCP sender report has mapped its RTP clock onto NTP time. 0: not known.
  int64_t capture_wall_ns = 0;
  // The capture instant on this host's CLOCK_MONOTONIC, set by LiveSource from capture_wall_ns when it trusts the
  // camera's clock (with capture_wall_ns kept); both 0: the ring stamps the arrival time. A CameraConnection
  // that reads in batches sets it to the packet's own arrival (estimated from its timestamps) for LiveSource,
  // which uses that instead of the moment of handing out.
  int64_t capture_mono_ns = 0;
  std::vector<uint8_t> data;
};

class PacketSource {
 public:
  virtual ~PacketSource() = default;
  // The tracks and their codec configuration in force for the packet last returned by read() (or, before
  // the first read, for the first packet).
  virtual const fifo::StreamInfo& stream_info() const noexcept = 0;
  // Fills `out` with the next packet in decoding order across tracks; false at the end of the source.
  // Throws MediaError when the source fails.
  virtual bool read(MediaPacket& out) = 0;
};

}  // namespace zc::media

// One timeline segment read through zc::media::MediaSource, with each packet's wall-clock time. Every failure
// becomes PlaybackError(segment_failed) naming the file and the wall time where reading stopped.
#pragma once

#include <zc/media/source.h>
#include <zc/playback/timeline.h>

#include <cstdint>
#include <optional>
#include <string>

namespace zc::playback {

struct TimedPacket {
  media::MediaPacket packet;
  bool video = false;
  int64_t offset_ns = 0;  // presentation time after the segment's first packet
  int64_t wall_ns = 0;    // segment start + offset
  int64_t dts_wall_ns = 0;
  int64_t duration_ns = 0;  // the file's duration of this sample (0 when it does not say)
};

class SegmentReader {
 public:
  SegmentReader(const TimelineSegment& segment, bool audio);
  bool next(TimedPacket& out);
  const fifo::StreamInfo& stream_info() const noexcept { return source_->stream_info(); }
  // After next() returned false: throws segment_failed when the file ends well before the catalog's end.
  void check_complete() const;
  int64_t last_wall_ns() const noexcept { return last_wall_ns_; }
  uint64_t video_packets() const noexcept { return video_packets_; }

 private:
  [[noreturn]] void fail(const std::string& why) const;
  int64_t to_ns(int64_t ticks, const fifo::TrackInfo& track) const;

  const TimelineSegment& segment_;
  std::optional<media::MediaSource> source_;
  std::optional<int64_t> origin_ns_;
  int64_t last_wall_ns_ = 0;
  uint64_t video_packets_ = 0;
};

}  // namespace zc::playback

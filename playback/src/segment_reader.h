// One timeline segment read through zc::media::MediaSource, with each packet's wall-clock time. Every failure
// becomes PlaybackError(segment_failed) naming the file and the wall time where reading stopped.
//
// Opened at an indexed keyframe, the reader jumps to that keyframe's fragment (docs/playback.md, "Seeking"):
// the segment's first fragment comes first (its packets precede the keyframe; callers skip to the keyframe as
// they would from the start), then the keyframe's. The catalog's offset is trusted only after two checks: the
// file must have a fragment there (else it reads from the start), and the first video frame after the jump
// must be that keyframe (else it reopens the file and reads from the start, so packets before the keyframe
// may come twice). Either way the frames from the keyframe on are those of a read from the start.
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
  SegmentReader(const TimelineSegment& segment, bool audio, const TimelineKeyframe* start = nullptr);
  bool next(TimedPacket& out);
  const fifo::StreamInfo& stream_info() const noexcept { return source_->stream_info(); }
  // After next() returned false: throws segment_failed when the file ends well before the catalog's end.
  void check_complete() const;
  int64_t last_wall_ns() const noexcept { return last_wall_ns_; }
  uint64_t video_packets() const noexcept { return video_packets_; }
  // Whether the start keyframe's offset was used, and whether it failed a check (then read from the start).
  bool jumped() const noexcept { return jumped_; }
  bool fell_back() const noexcept { return fell_back_; }

 private:
  [[noreturn]] void fail(const std::string& why) const;
  void open(std::optional<int64_t> moof_offset);
  void fall_back();
  void stamp(TimedPacket& out);  // times of a packet just read
  int64_t to_ns(int64_t ticks, const fifo::TrackInfo& track) const;

  const TimelineSegment& segment_;
  bool audio_ = false;
  std::optional<int64_t> checking_offset_ns_;  // a jump's keyframe, until its frame has been read
  std::optional<media::MediaSource> source_;
  std::optional<int64_t> origin_ns_;
  int64_t last_wall_ns_ = 0;
  uint64_t video_packets_ = 0;
  bool jumped_ = false, fell_back_ = false;
};

}  // namespace zc::playback

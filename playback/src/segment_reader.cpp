#include "segment_reader.h"

#include <zc/fifo/rescale.h>
#include <zc/media/error.h>
#include <zc/playback/error.h>
#include <zc/playback/time_arg.h>

namespace zc::playback {
namespace {
// A file whose last frame is this much earlier than the catalog's end for it was cut short.
constexpr int64_t kTruncationToleranceNs = 500'000'000;
}  // namespace

SegmentReader::SegmentReader(const TimelineSegment& segment, bool audio, const TimelineKeyframe* start)
    : segment_(segment), audio_(audio) {
  if (start != nullptr && start->moof_offset) {
    try {
      open(start->moof_offset);
      jumped_ = true;
      checking_offset_ns_ = start->offset_ns;
      return;
    } catch (const media::MediaError& e) {
      if (e.code() != media::MediaErrc::invalid_argument) fail(e.what());
      fell_back_ = true;  // the index row does not point at a fragment of this file
    }
  }
  try {
    open(std::nullopt);
  } catch (const media::MediaError& e) {
    fail(e.what());
  }
}

void SegmentReader::open(std::optional<int64_t> moof_offset) {
  media::SourceOptions o;
  o.audio = audio_;
  o.resume_at_moof = moof_offset;
  source_.emplace(segment_.path.string(), o);
}

void SegmentReader::fall_back() {
  fell_back_ = true;
  checking_offset_ns_.reset();
  source_.reset();
  origin_ns_.reset();
  last_wall_ns_ = 0;
  video_packets_ = 0;
  try {
    open(std::nullopt);
  } catch (const media::MediaError& e) {
    fail(e.what());
  }
}

void SegmentReader::fail(const std::string& why) const {
  const int64_t at = last_wall_ns_ != 0 ? last_wall_ns_ : segment_.start_wall_ns;
  throw PlaybackError(PlaybackErrc::segment_failed, "segment " + segment_.path.string() + " at " +
                                                        format_wall_time(at) + ": " + why);
}

int64_t SegmentReader::to_ns(int64_t ticks, const fifo::TrackInfo& track) const {
  return fifo::to_ns(ticks, track.time_base);
}

bool SegmentReader::next(TimedPacket& out) {
  for (;;) {
    bool more = false;
    try {
      more = source_->read(out.packet);
    } catch (const media::MediaError& e) {
      if (!checking_offset_ns_) fail(e.what());
    }
    if (!more && checking_offset_ns_) {
      fall_back();  // the jump's fragment ended or broke before its keyframe showed up
      continue;
    }
    if (!more) return false;
    stamp(out);
    if (checking_offset_ns_ && out.video) {
      if (out.offset_ns > *checking_offset_ns_ + kKeyframeSlackNs) {
        fall_back();  // past the keyframe without meeting it: the offset named another fragment
        continue;
      }
      if (out.packet.keyframe && out.offset_ns + kKeyframeSlackNs >= *checking_offset_ns_) checking_offset_ns_.reset();
    }
    return true;
  }
}

void SegmentReader::stamp(TimedPacket& out) {
  const auto* track = source_->stream_info().find(out.packet.track);
  if (track == nullptr) fail("packet for unknown track " + std::to_string(out.packet.track));
  out.video = track->kind == fifo::MediaKind::video;
  const int64_t pts_ns = to_ns(out.packet.pts, *track);
  // Times count from the first video frame, as the catalog's do (the segment starts with it): audio read before
  // it (an AAC priming packet, a B-frame segment's audio under its edit list) must not move the origin.
  if (!origin_ns_ || (out.video && !video_packets_)) origin_ns_ = pts_ns;
  out.offset_ns = pts_ns - *origin_ns_;
  out.wall_ns = segment_.start_wall_ns + out.offset_ns;
  out.dts_wall_ns = segment_.start_wall_ns + to_ns(out.packet.dts, *track) - *origin_ns_;
  out.duration_ns = out.packet.duration > 0 ? to_ns(out.packet.duration, *track) : 0;
  if (out.video) {
    ++video_packets_;
    last_wall_ns_ = std::max(last_wall_ns_, out.wall_ns);
  }
}

void SegmentReader::check_complete() const {
  if (segment_.end_wall_ns && last_wall_ns_ + kTruncationToleranceNs < *segment_.end_wall_ns)
    fail("file ends early (the catalog has it until " + format_wall_time(*segment_.end_wall_ns) +
         "); it is truncated");
  if (video_packets_ == 0) fail("no video frames");
}

}  // namespace zc::playback

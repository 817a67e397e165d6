#include <zc/playback/player.h>

#include <zc/playback/error.h>

#include "pacer.h"
#include "segment_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace zc::playback {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

// The keyframe at or before `offset_ns` in the segment, from the catalog's index or, when the catalog has none
// (a plain file), by reading the segment once (no file offset then: reading starts at the file's start).
std::optional<TimelineKeyframe> keyframe_at_or_before(const TimelineSegment& seg, int64_t offset_ns) {
  if (!seg.keyframes.empty()) {
    const TimelineKeyframe* k = seg.keyframe_at_or_before(offset_ns);
    return k != nullptr ? std::optional(*k) : std::nullopt;
  }
  SegmentReader r(seg, false);
  TimedPacket p;
  std::optional<TimelineKeyframe> best;
  while (r.next(p))
    if (p.video && p.packet.keyframe && p.offset_ns <= offset_ns + kKeyframeSlackNs) best = TimelineKeyframe{p.offset_ns, {}};
  return best;
}

// Adds what a reader did with the catalog's index to the result when the reader is done with.
struct IndexUseCount {
  PlayResult& result;
  const SegmentReader& reader;
  IndexUseCount(PlayResult& r, const SegmentReader& sr) : result(r), reader(sr) {}
  IndexUseCount(const IndexUseCount&) = delete;
  IndexUseCount& operator=(const IndexUseCount&) = delete;
  ~IndexUseCount() {
    if (reader.jumped()) ++result.index_jumps;
    if (reader.fell_back()) ++result.index_fallbacks;
  }
};

// One run of the player over its timeline.
class Session {
 public:
  Session(const Timeline& timeline, const PlayOptions& options, FrameSink& sink,
          const std::function<void(const std::string&)>& on_error)
      : timeline_(timeline), options_(options), sink_(sink), on_error_(on_error),
        pacer_(options.speed, options.reverse) {}

  PlayResult run() {
    std::optional<int64_t> seek;
    bool first = true;
    do {
      if (!first) {
        ++result_.seeks;
        discontinuity_ = true;
      }
      first = false;
      seek = options_.reverse ? play_reverse(seek ? *seek : timeline_.to_wall_ns.value_or(INT64_MAX))
                              : play_forward(seek ? std::optional<int64_t>(*seek) : timeline_.from_wall_ns);
    } while (seek);
    sink_.end();
    return result_;
  }

 private:
  // Called only from catch handlers: `throw;` rethrows the exception in flight as it is, where `throw e;` would
  // throw a copy sliced to PlaybackError.
  void report(const PlaybackError& e) {
    if (e.code() != PlaybackErrc::segment_failed) throw;
    result_.segment_errors.push_back(e.what());
    if (on_error_) on_error_(e.what());
    discontinuity_ = true;
  }

  // Applies pending control requests; returns a seek target when one arrived. Sleeps while paused.
  std::optional<int64_t> handle_control() {
    std::optional<int64_t> seek;
    for (;;) {
      while (auto r = sink_.poll_control()) {
        sink_.acknowledge(*r);
        switch (r->command) {
          case fifo::ControlCommand::pause: paused_ = true; break;
          case fifo::ControlCommand::resume:
            paused_ = false;
            pacer_.rebase();
            break;
          case fifo::ControlCommand::set_speed: {
            const double v = static_cast<double>(r->arg) / 1e6;
            if (v >= kMinSpeed && v <= kMaxSpeed) pacer_.set_speed(v);  // out of range: acknowledged, ignored
            break;
          }
          case fifo::ControlCommand::seek: seek = r->arg; break;
          case fifo::ControlCommand::none: break;
        }
      }
      if (!paused_ || seek) return seek;
      sink_.wait_until(Clock::now() + std::chrono::seconds(1));
    }
  }

  // Sends one packet, pacing it unless it is decode-only; returns a seek target if one interrupted it.
  std::optional<int64_t> emit(SegmentReader& reader, const TimedPacket& p, uint16_t flags) {
    if (auto s = handle_control()) return s;
    if (discontinuity_) {
      flags |= fifo::frame_flag::discontinuity;
      discontinuity_ = false;
      pacer_.rebase();
      ++result_.discontinuities;
    }
    if (!options_.max && (flags & fifo::frame_flag::decode_only) == 0) {
      const auto due = pacer_.due(p.wall_ns);
      while (Clock::now() < due)
        if (sink_.wait_until(due))
          if (auto s = handle_control()) return s;
    }
    if (p.packet.params_changed || reader.stream_info().tracks != sent_info_.tracks) {
      sent_info_ = reader.stream_info();
      sink_.stream_info(sent_info_);
    }
    fifo::FrameMeta m;
    m.track = p.packet.track;
    m.flags = static_cast<uint16_t>(flags | (p.packet.keyframe ? fifo::frame_flag::keyframe : 0));
    m.pts = p.packet.pts;
    m.dts = p.packet.dts;
    m.wall_ns = p.wall_ns;
    sink_.frame(m, std::as_bytes(std::span(p.packet.data)));
    ++result_.frames;
    if (p.video && p.packet.keyframe) ++result_.keyframes;
    if ((flags & fifo::frame_flag::decode_only) != 0) ++result_.decode_only;
    return std::nullopt;
  }

  size_t segment_at(int64_t wall_ns) const {
    size_t i = 0;
    for (size_t k = 0; k < timeline_.segments.size(); ++k)
      if (timeline_.segments[k].start_wall_ns <= wall_ns) i = k;
    return i;
  }

  std::optional<int64_t> play_forward(std::optional<int64_t> from) {
    const auto& segs = timeline_.segments;
    const int64_t to = timeline_.to_wall_ns.value_or(INT64_MAX);
    const size_t first = from ? segment_at(*from) : 0;
    const bool audio = options_.audio && !options_.keyframes_only;
    for (size_t i = first; i < segs.size(); ++i) {
      const auto& seg = segs[i];
      if (seg.start_wall_ns >= to) break;
      if (i > first && seg.gap_before) discontinuity_ = true;
      try {
        std::optional<TimelineKeyframe> key;
        if (i == first && from && *from > seg.start_wall_ns) key = keyframe_at_or_before(seg, *from - seg.start_wall_ns);
        const int64_t key_offset = key ? key->offset_ns : kNoTime;
        SegmentReader reader(seg, audio, key ? &*key : nullptr);
        const IndexUseCount counted{result_, reader};  // on every way out: a fallback may come while reading
        TimedPacket p;
        bool started = false;
        size_t next_resume = 0;  // seg.resume_offsets_ns not yet passed
        while (reader.next(p)) {
          if (!started) {
            if (!p.video || !p.packet.keyframe || p.offset_ns + kKeyframeSlackNs < key_offset) continue;
            started = true;
          }
          // A hole inside the segment is a discontinuity like one between segments: announced, not waited out.
          for (; next_resume < seg.resume_offsets_ns.size() &&
                 p.wall_ns - seg.start_wall_ns + kKeyframeSlackNs >= seg.resume_offsets_ns[next_resume];
               ++next_resume)
            discontinuity_ = true;
          if (p.dts_wall_ns >= to && p.video) return std::nullopt;
          if (p.wall_ns >= to) continue;
          const bool before = from && p.wall_ns < *from;
          uint16_t flags = 0;
          if (options_.keyframes_only) {
            if (!p.video || !p.packet.keyframe || before) continue;
          } else if (before) {
            flags |= fifo::frame_flag::decode_only;
          }
          if (auto s = emit(reader, p, flags)) return s;
        }
        reader.check_complete();
      } catch (const PlaybackError& e) {
        report(e);
      }
    }
    return std::nullopt;
  }

  // Reverse trick play reads a segment with a keyframe index in windows of this many keyframes, newest window
  // first, each opened at its oldest keyframe's fragment: the first picture comes after one window has been
  // read, not the whole segment, and no more than a window's keyframes are held.
  static constexpr size_t kReverseWindow = 16;

  std::optional<int64_t> play_reverse(int64_t top) {
    const auto& segs = timeline_.segments;
    const int64_t bottom = timeline_.from_wall_ns.value_or(INT64_MIN);
    for (size_t n = segment_at(top) + 1; n-- > 0;) {
      const auto& seg = segs[n];
      std::vector<const TimelineKeyframe*> in_range;
      for (const auto& k : seg.keyframes) {
        const int64_t wall = seg.start_wall_ns + k.offset_ns;
        if (wall <= top + kKeyframeSlackNs && wall >= bottom - kKeyframeSlackNs) in_range.push_back(&k);
      }
      bool failed = false;
      if (in_range.empty()) {  // no index (a plain file): one window, the whole segment from its start
        if (auto s = reverse_window(seg, nullptr, nullptr, top, bottom, failed)) return s;
      }
      for (size_t end = in_range.size(); end > 0 && !failed;) {
        const size_t begin = end > kReverseWindow ? end - kReverseWindow : 0;
        if (auto s = reverse_window(seg, in_range[begin], in_range[end - 1], top, bottom, failed)) return s;
        end = begin;
      }
      if (seg.gap_before || failed) discontinuity_ = true;
      if (seg.start_wall_ns <= bottom) break;
    }
    return std::nullopt;
  }

  // Sends the keyframes in [bottom, top] between the indexed keyframes `oldest` and `newest` (nullptr: from the
  // segment's start / to its end), newest first. A segment that cannot be read is reported and `failed` set;
  // what was read before the failure still plays.
  std::optional<int64_t> reverse_window(const TimelineSegment& seg, const TimelineKeyframe* oldest,
                                        const TimelineKeyframe* newest, int64_t top, int64_t bottom, bool& failed) {
    try {
      SegmentReader reader(seg, false, oldest);
      const IndexUseCount counted{result_, reader};
      std::vector<TimedPacket> keys;
      TimedPacket p;
      try {
        bool to_end = true;
        while (reader.next(p)) {
          if (!p.video || !p.packet.keyframe) continue;
          if (oldest != nullptr && p.offset_ns + kKeyframeSlackNs < oldest->offset_ns) continue;
          if (newest != nullptr && p.offset_ns > newest->offset_ns + kKeyframeSlackNs) {
            to_end = false;
            break;
          }
          if (p.wall_ns <= top && p.wall_ns >= bottom) keys.push_back(p);
        }
        if (to_end) reader.check_complete();
      } catch (const PlaybackError& e) {
        report(e);
        failed = true;
      }
      for (auto k = keys.rbegin(); k != keys.rend(); ++k)
        if (auto s = emit(reader, *k, 0)) return s;
    } catch (const PlaybackError& e) {
      report(e);
      failed = true;
    }
    return std::nullopt;
  }

  const Timeline& timeline_;
  const PlayOptions& options_;
  FrameSink& sink_;
  const std::function<void(const std::string&)>& on_error_;
  Pacer pacer_;
  PlayResult result_;
  fifo::StreamInfo sent_info_;
  bool discontinuity_ = false;
  bool paused_ = false;
};

}  // namespace

Player::Player(Timeline timeline, PlayOptions options, std::function<void(const std::string&)> on_segment_error)
    : timeline_(std::move(timeline)), options_(options), on_segment_error_(std::move(on_segment_error)) {
  if (!std::isfinite(options_.speed) || options_.speed < kMinSpeed || options_.speed > kMaxSpeed)
    throw PlaybackError(PlaybackErrc::invalid_argument, "speed must be between 1/16 and 16");
  if (options_.reverse) options_.keyframes_only = true;
  if (timeline_.segments.empty()) throw PlaybackError(PlaybackErrc::nothing_to_play, "nothing to play");
}

PlayResult Player::run(FrameSink& sink) { return Session(timeline_, options_, sink, on_segment_error_).run(); }

}  // namespace zc::playback

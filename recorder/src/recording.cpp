// What a recording does with each frame, and how it ends. Order of durable effects (docs/recording.md):
// recording row (with its liveness lock) -> segment file created, header written, file + directory fsynced ->
// segment row ('writing') -> per completed fragment: bytes written, then totals + keyframes of that fragment in
// one transaction -> trailer, fdatasync, row 'complete'. A crash anywhere leaves rows that point only at bytes
// that exist.
#include "recording.h"

#include <zc/recorder/error.h>

#include <algorithm>

namespace zc::recorder {

using catalog::Catalog;
using catalog::ClockJumpRow;
using catalog::GapRow;

Recorder::Impl::Impl(RecorderOptions o, const Clock& c, Catalog cat, fifo::RingReader r, int64_t trigger_mono)
    : opt(std::move(o)),
      clock(c),
      catalog(std::move(cat)),
      reader(std::move(r)),
      session(opt.timing, trigger_mono),
      rotation(opt.segment_ns),
      wall_clock(opt.clock_jump_threshold_ns),
      rows(catalog),
      segments(opt, catalog, opt.storage_io ? opt.storage_io : std::make_shared<PosixStorageIo>(), sum, *this),
      writer_absence(opt.writer_grace_ns) {}

ModeAction Recorder::Impl::transition(ModeEvent event) {
  const ModeStep s = step(mode, event);
  mode = s.next;
  sum.disk_full = mode == Mode::paused_disk_full;
  return s.action;
}

void Recorder::Impl::warn(const std::string& msg) {
  sum.warnings.push_back(msg);
  if (opt.on_warning) opt.on_warning(msg);
}

// Frames held while start() waited for the catalog come first.
fifo::ReadStatus Recorder::Impl::next_frame() {
  if (held_frames.empty()) {
    held_info.reset();
    return reader.try_read(frame);
  }
  const bool end = held_frames.front().end_of_stream;
  frame = std::move(held_frames.front().frame);
  held_info = std::move(held_frames.front().info);
  held_frames.pop_front();
  return end ? fifo::ReadStatus::end_of_stream : fifo::ReadStatus::frame;
}

// The stream info in force for the frame being handled.
const fifo::StreamInfo& Recorder::Impl::stream_info() const { return held_info ? *held_info : reader.stream_info(); }

void Recorder::Impl::apply_controls() {
  const uint64_t t = triggers.load(std::memory_order_acquire);
  const uint64_t s = stops.load(std::memory_order_acquire);
  if (t != triggers_seen) {
    triggers_seen = t;
    session.trigger(clock.mono_ns());
  }
  if (s != stops_seen) {
    stops_seen = s;
    session.stop(clock.mono_ns());
  }
}

void Recorder::Impl::catalog_write(CatalogWrite w) {
  // The catalog and the segment files share the filesystem: a refused write pauses like a segment write.
  if (!rows.write(std::move(w))) {
    space_ran_out(RecorderError(RecorderErrc::no_space, "catalog: database or disk is full"), last_frame_wall_ns);
  }
}

void Recorder::Impl::close_segment(const std::string& end_reason) {
  if (segments.current() == nullptr) return;
  segments.close(end_reason);
  after_segment();
}

void Recorder::Impl::segment_closed(int64_t segment_id, int64_t end_wall_ns) {
  covered_end_wall_ns = std::max(covered_end_wall_ns.value_or(INT64_MIN), end_wall_ns);
  last_frame_wall_ns = std::max(last_frame_wall_ns, end_wall_ns);
  newest_closed_segment_id = segment_id;
}

void Recorder::Impl::note_skipped_tracks(const fifo::StreamInfo& info, const SegmentParams& params) {
  for (const auto& t : info.tracks) {
    if (t.track_id == params.video.track_id || (params.audio && t.track_id == params.audio->track_id)) continue;
    if (std::find(skipped_track_ids.begin(), skipped_track_ids.end(), t.track_id) != skipped_track_ids.end()) continue;
    skipped_track_ids.push_back(t.track_id);
    const std::string why = t.codec == fifo::Codec::aac && t.config.empty()
                                ? "the writer gave no AudioSpecificConfig, without which MP4 cannot describe AAC"
                                : "only one H.264/H.265 video and one AAC or G.711 audio track are recorded";
    const std::string msg = "track " + std::to_string(t.track_id) + " (" + std::string(fifo::to_string(t.codec)) +
                            "): " + why;
    sum.skipped_tracks.push_back(msg);
    warn("skipping " + msg);
  }
}

void Recorder::Impl::handle_frame(const fifo::FrameHeader& h, std::span<const std::byte> payload) {
  const auto params = params_of(stream_info());
  if (!params) return;
  const bool video = h.track == params->video.track_id;
  // Frames of the tracks that are recorded: the ones that count as written or lost.
  const bool recorded = video || (params->audio && h.track == params->audio->track_id);
  // The reader starts at a keyframe; anything before the first video keyframe is not ours yet.
  if (mode == Mode::starting && (!video || !h.is_key())) return;
  // RecorderOptions::resume_after_recorded: frames the catalog already holds were recorded before a restart.
  if (mode == Mode::starting && resume_after_wall_ns && h.wall_ns < *resume_after_wall_ns) return;
  if (h.lost_before > 0 || (h.flags & fifo::frame_flag::discontinuity) != 0) {
    // The break first: closing the segment may find the disk full, and the lost frames must then count there.
    on_stream_break(h.lost_before > 0 ? "lapped" : "discontinuity");
    if (mode == Mode::paused_disk_full) pause->frames += static_cast<int64_t>(h.lost_before);
  }
  if (transition(ModeEvent::first_keyframe) == ModeAction::anchor) {
    wall_clock.anchor(h.wall_ns, h.mono_ns, catalog.stream_end_wall_ns(opt.stream));
    session.first_frame(h.mono_ns);
    sum.start_wall_ns = wall_clock.wall_at(h.mono_ns);
    sum.preroll_achieved_ns = std::max<int64_t>(0, sum.trigger_mono_ns - h.mono_ns);
    last_frame_wall_ns = sum.start_wall_ns;
    const int64_t id = sum.recording_id, start = sum.start_wall_ns, pre = sum.preroll_achieved_ns;
    catalog_write([id, start, pre](Catalog& c) { c.set_recording_start(id, start, pre); });
  }
  if (mode == Mode::waiting_for_keyframe || mode == Mode::waiting_for_writer) {
    stream_break->frames_lost += static_cast<int64_t>(h.lost_before);
    if (!video || !h.is_key()) {
      if (recorded) ++stream_break->frames_lost;  // a decoder could not use it without the frames before
      return;
    }
    if (transition(ModeEvent::keyframe_after_break) == ModeAction::close_break) {
      end_break(h);
      try {
        if (segments.current() != nullptr && !segments.continues_across_break(h, *params)) {
          close_segment("discontinuity");
        }
      } catch (const std::runtime_error& e) {
        if (!is_no_space(e)) throw;
        space_ran_out(e, last_frame_wall_ns);
      }
    }
  }
  note_skipped_tracks(stream_info(), *params);
  const int64_t frame_wall = wall_clock.wall_at(h.mono_ns);
  if (video) {
    // Realtime against monotonic as the injected clock sees it now: the host clock the writer stamps with.
    if (auto jump = wall_clock.observe(clock.wall_ns(), clock.mono_ns())) {
      const ClockJumpRow row{0, 0, sum.recording_id, jump->anchored_wall_ns, jump->reported_wall_ns, jump->jump_ns};
      catalog_write([row](Catalog& c) { c.add_clock_jump(row); });
      ++sum.clock_jumps;
      warn("wall clock jumped by " + std::to_string(jump->jump_ns / 1'000'000) +
           " ms against the monotonic clock; the recording timeline keeps monotonic time");
    }
    last_frame_wall_ns = std::max(last_frame_wall_ns, frame_wall);
  }
  if (!recorded) return;

  if (mode == Mode::paused_disk_full && !try_resume(h, *params, frame_wall)) {
    ++pause->frames;
    return;
  }

  try {
    if (const OpenSegment* seg = segments.current(); seg != nullptr && video) {
      const RotateReason why = rotation.check(h, seg->params, *params, seg->start_mono_ns);
      if (why != RotateReason::none) close_segment(why == RotateReason::length ? "length" : "params_changed");
    }
    if (mode == Mode::paused_disk_full) {  // closing the segment met a full catalog
      ++pause->frames;
      return;
    }
    if (segments.current() == nullptr) {
      if (!video || !h.is_key()) return;
      segments.open(h, *params, wall_clock.wall_at(h.mono_ns));
    }
    segments.write_frame(h, payload, video);
  } catch (const std::runtime_error& e) {
    if (!is_no_space(e)) throw;
    space_ran_out(e, frame_wall);
    ++pause->frames;  // this frame did not make it into a complete fragment either
  }
}

void Recorder::Impl::finish(EndReason why) {
  if (mode == Mode::ended) return;
  const bool in_break = stream_break.has_value();
  transition(ModeEvent::end);
  sum.end_reason = why;
  try {
    // A segment held open across a break that never ended (the writer did not come back) ended at the break.
    close_segment(in_break ? "discontinuity" : "stopped");
  } catch (const std::runtime_error& e) {
    if (!is_no_space(e)) throw;
    space_ran_out(e, last_frame_wall_ns);
  }
  if (pause && !pause->resumed_wall_ns) {
    // Ended while still paused: the gap covers the pause up to the end, and nothing resumed.
    end_pause(last_frame_wall_ns);
    warn("recording ended while storage was still full; " + std::to_string(sum.frames_lost) + " frames lost in all");
  }
  if (stream_break && stream_break->frames_lost > 0) {
    // Ended before the stream came back at a keyframe: the frames dropped since the break count, and a gap
    // up to the end holds them (a break with nothing dropped after it needs none: nothing came after it).
    sum.frames_lost += stream_break->frames_lost;
    GapRow g;
    g.recording_id = sum.recording_id;
    g.start_wall_ns = stream_break->since_wall_ns;
    g.end_wall_ns = std::max(stream_break->since_wall_ns, last_frame_wall_ns);
    g.frames_lost = stream_break->frames_lost;
    g.reason = stream_break->reason;
    ++sum.gaps;
    const int64_t id = sum.recording_id, lost = stream_break->frames_lost;
    rows.push([g](Catalog& c) { c.add_gap(g); });
    rows.push([id, lost](Catalog& c) { c.add_frames_lost(id, lost); });
  }
  stream_break.reset();
  sum.end_wall_ns = std::max(sum.start_wall_ns, last_frame_wall_ns);
  const int64_t id = sum.recording_id;
  const std::optional<int64_t> end = started() ? std::optional<int64_t>(sum.end_wall_ns) : std::nullopt;
  const std::string reason = to_string(why);
  rows.push([id, reason, end](Catalog& c) { c.finish_recording(id, "complete", reason, end); });
  rows.flush_at_end(sum.recording_id);
  forget_segments_deleted_elsewhere();
}

}  // namespace zc::recorder

// Breaks in the stream under a recording: its writer died or restarted, a camera reconnected, or the ring lost
// frames. The fragment being filled is written at the break, so what came before is durable while the recorder
// waits; nothing is recorded until the next video keyframe, where a gap row covers the break. The segment goes
// on across it when nothing a decoder or the timeline would notice changed
// (SegmentLifecycle::continues_across_break), else it is closed and a new one starts.
#include "recording.h"

#include <zc/recorder/error.h>

#include <algorithm>
#include <cstdio>

namespace zc::recorder {

using catalog::Catalog;
using catalog::GapRow;

namespace {

std::string seconds_text(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(ns) / 1e9);
  return buf;
}

}  // namespace

void Recorder::Impl::on_stream_break(const char* reason) {
  if (transition(ModeEvent::stream_break) == ModeAction::write_out_before_break) write_out_before_break(reason);
}

// Makes what came before the break durable at once (a restarting feeder or a camera coming back may take
// seconds): the fragment being filled is written, or, where the segment cannot go on, it is closed.
void Recorder::Impl::write_out_before_break(const char* reason) {
  try {
    if (segments.current() != nullptr && segments.transcodes_audio()) {
      // The transcoder's clock runs on from its first sample: a hole cannot be carried into its output.
      close_segment("discontinuity");
    } else if (segments.current() != nullptr) {
      last_frame_wall_ns = std::max(last_frame_wall_ns, segments.write_out_at_break());
    }
  } catch (const std::runtime_error& e) {
    if (!is_no_space(e)) throw;
    space_ran_out(e, last_frame_wall_ns);
    return;
  }
  if (mode == Mode::paused_disk_full) return;  // writing it found the catalog full: the pause's gap covers it
  stream_break = StreamBreak{last_frame_wall_ns, 0, reason};
}

// `h` is the video keyframe that ends the break: the gap reaches up to it.
void Recorder::Impl::end_break(const fifo::FrameHeader& h) {
  const StreamBreak b = std::move(*stream_break);
  stream_break.reset();
  GapRow g;
  g.recording_id = sum.recording_id;
  g.start_wall_ns = b.since_wall_ns;
  g.end_wall_ns = std::max(b.since_wall_ns, wall_clock.wall_at(h.mono_ns));
  g.frames_lost = b.frames_lost;
  g.reason = b.reason;
  sum.frames_lost += b.frames_lost;
  covered_end_wall_ns = std::max(covered_end_wall_ns.value_or(INT64_MIN), g.end_wall_ns);
  ++sum.gaps;
  const int64_t id = sum.recording_id, lost = b.frames_lost;
  catalog_write([g](Catalog& c) { c.add_gap(g); });
  if (lost > 0) catalog_write([id, lost](Catalog& c) { c.add_frames_lost(id, lost); });
}

// The ring reported no writer. True while the recording waits for a new one (within the grace period).
bool Recorder::Impl::wait_for_new_writer() {
  const bool first_notice = !writer_absence.absent();
  if (!writer_absence.within_grace(clock.mono_ns())) return false;
  if (first_notice) {
    if (transition(ModeEvent::writer_gone) == ModeAction::write_out_before_break) {
      write_out_before_break("discontinuity");
    }
    warn("the writer of stream " + opt.stream + " is gone: waiting up to " + seconds_text(writer_absence.grace_ns()) +
         " for a new one");
  }
  return true;
}

void Recorder::Impl::writer_present() {
  if (const auto away = writer_absence.writer_seen(clock.mono_ns())) {
    transition(ModeEvent::writer_back);
    ++sum.writer_restarts;
    warn("stream " + opt.stream + " has a writer again after " + seconds_text(*away) +
         " without one: recording goes on from its next keyframe");
  }
}

}  // namespace zc::recorder

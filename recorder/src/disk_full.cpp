// A full disk is a pause, never the end of a recording (docs/recording.md, "Disk full"): what the file holds in
// complete fragments is kept, frames are dropped and counted until a segment can be opened again, and one
// `disk_full` gap row accounts for every frame dropped or cut back in between.
#include "recording.h"

#include <zc/recorder/error.h>

#include <algorithm>

namespace zc::recorder {

using catalog::Catalog;
using catalog::GapRow;

namespace {

constexpr int64_t kDiskRetryNs = 1'000'000'000;

}  // namespace

// The open segment is cut back to its last complete fragment; the frames cut away count as lost in this pause,
// whose gap starts where the kept part ends. `now_wall` is the wall time of the frame being handled.
void Recorder::Impl::space_ran_out(const std::exception& e, int64_t now_wall) {
  transition(ModeEvent::space_ran_out);
  std::optional<int64_t> cut_end;
  if (const auto cut = segments.cut_back()) {
    cut_end = cut->kept_end_wall_ns;
    if (cut->kept_segment) newest_closed_segment_id = *cut->kept_segment;
    if (pause && pause->resumed_wall_ns) {
      // Nothing of the segment that was to end the pause reached the file: the pause goes on.
      pause->resumed_wall_ns.reset();
      pause->frames += cut->frames_cut;
    } else {
      start_pause(e, *cut_end, cut->frames_cut);
    }
  }
  if (!pause) start_pause(e, covered_end_wall_ns.value_or(now_wall), 0);
  pause->resumed_wall_ns.reset();  // whatever was resuming, nothing of it is in a file: the pause goes on
  covered_end_wall_ns = std::max(covered_end_wall_ns.value_or(INT64_MIN), cut_end.value_or(INT64_MIN));
  next_disk_retry_mono_ns = clock.mono_ns() + kDiskRetryNs;
  rows.flush();
}

void Recorder::Impl::start_pause(const std::exception& e, int64_t since_wall, int64_t frames_cut) {
  pause = DiskFullPause{since_wall, frames_cut, std::nullopt};
  warn(std::string("storage full, recording paused until space returns: ") + e.what());
}

// Ends the pause at `until_wall`: its gap covers it, with every frame dropped or cut back meanwhile.
void Recorder::Impl::end_pause(int64_t until_wall) {
  const DiskFullPause p = *pause;
  pause.reset();
  sum.frames_lost += p.frames;
  GapRow g;
  g.recording_id = sum.recording_id;
  g.start_wall_ns = p.since_wall_ns;
  g.end_wall_ns = std::max(until_wall, p.since_wall_ns);
  g.frames_lost = p.frames;
  g.reason = "disk_full";
  covered_end_wall_ns = std::max(covered_end_wall_ns.value_or(INT64_MIN), g.end_wall_ns);
  const int64_t lost = p.frames, id = sum.recording_id;
  if (lost == 0 && g.end_wall_ns == g.start_wall_ns) return;  // only the catalog was full, for a moment
  rows.write([g](Catalog& c) { c.add_gap(g); });
  if (lost > 0) rows.write([id, lost](Catalog& c) { c.add_frames_lost(id, lost); });
  ++sum.gaps;
}

// While paused: once a second, at a video keyframe, retention runs and a new segment is tried. True when
// recording goes on with this frame.
bool Recorder::Impl::try_resume(const fifo::FrameHeader& h, const SegmentParams& params, int64_t frame_wall) {
  const bool video = h.track == params.video.track_id;
  if (!video || !h.is_key() || h.mono_ns < next_disk_retry_mono_ns) return false;
  next_disk_retry_mono_ns = h.mono_ns + kDiskRetryNs;
  if (!rows.flush()) return false;
  after_segment();
  try {
    segments.open(h, params, wall_clock.wall_at(h.mono_ns));
  } catch (const std::runtime_error& e) {
    if (!is_no_space(e)) throw;
    return false;
  }
  if (transition(ModeEvent::segment_reopened) == ModeAction::resume) pause->resumed_wall_ns = frame_wall;
  return true;
}

// A fragment of the segment opened after a pause is in the file: now the recording has resumed.
void Recorder::Impl::confirm_resume() {
  if (!pause || !pause->resumed_wall_ns) return;
  const int64_t lost = pause->frames;
  end_pause(*pause->resumed_wall_ns);
  warn("storage has space again: recording resumed after dropping " + std::to_string(lost) + " frames");
}

}  // namespace zc::recorder

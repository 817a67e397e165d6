#include "recording_mode.h"

namespace zc::recorder {

ModeStep step(Mode mode, ModeEvent event) noexcept {
  using M = Mode;
  using E = ModeEvent;
  using A = ModeAction;
  if (mode == M::ended) {
    // Closing the last rows may still meet a full disk: the pause is then accounted up to the end.
    return {M::ended, event == E::space_ran_out ? A::pause : A::none};
  }
  switch (event) {
    case E::end:
      return {M::ended, A::finish};
    case E::space_ran_out:
      // From any live mode: what the file holds is kept, frames are dropped until space returns.
      return {M::paused_disk_full, A::pause};
    case E::first_keyframe:
      if (mode == M::starting) return {M::recording, A::anchor};
      break;
    case E::stream_break:
      // Before the first segment there is nothing to separate; while paused, the pause's gap covers the break;
      // while waiting, the open break goes on.
      if (mode == M::recording) return {M::waiting_for_keyframe, A::write_out_before_break};
      break;
    case E::writer_gone:
      if (mode == M::recording) return {M::waiting_for_writer, A::write_out_before_break};
      if (mode == M::waiting_for_keyframe) return {M::waiting_for_writer, A::none};
      break;
    case E::writer_back:
      // The new writer starts wherever it likes (mid-GOP): nothing is recorded before its first keyframe.
      if (mode == M::waiting_for_writer) return {M::waiting_for_keyframe, A::none};
      break;
    case E::keyframe_after_break:
      if (mode == M::waiting_for_keyframe || mode == M::waiting_for_writer) return {M::recording, A::close_break};
      break;
    case E::segment_reopened:
      if (mode == M::paused_disk_full) return {M::recording, A::resume};
      break;
  }
  return {mode, A::none};
}

const char* to_string(Mode mode) noexcept {
  switch (mode) {
    case Mode::starting: return "starting";
    case Mode::recording: return "recording";
    case Mode::waiting_for_keyframe: return "waiting_for_keyframe";
    case Mode::waiting_for_writer: return "waiting_for_writer";
    case Mode::paused_disk_full: return "paused_disk_full";
    case Mode::ended: return "ended";
  }
  return "unknown";
}

const char* to_string(ModeEvent event) noexcept {
  switch (event) {
    case ModeEvent::first_keyframe: return "first_keyframe";
    case ModeEvent::stream_break: return "stream_break";
    case ModeEvent::writer_gone: return "writer_gone";
    case ModeEvent::writer_back: return "writer_back";
    case ModeEvent::keyframe_after_break: return "keyframe_after_break";
    case ModeEvent::space_ran_out: return "space_ran_out";
    case ModeEvent::segment_reopened: return "segment_reopened";
    case ModeEvent::end: return "end";
  }
  return "unknown";
}

const char* to_string(ModeAction action) noexcept {
  switch (action) {
    case ModeAction::none: return "none";
    case ModeAction::anchor: return "anchor";
    case ModeAction::write_out_before_break: return "write_out_before_break";
    case ModeAction::close_break: return "close_break";
    case ModeAction::pause: return "pause";
    case ModeAction::resume: return "resume";
    case ModeAction::finish: return "finish";
  }
  return "unknown";
}

}  // namespace zc::recorder

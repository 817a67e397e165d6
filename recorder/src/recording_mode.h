// What a recording is doing with the frames it reads, as one explicit mode, and every change of mode in one
// table (step()). docs/recording.md, "Modes", shows the same table with what each step writes.
//
// The mode says what happens to a frame: recorded (recording), dropped until the next video keyframe
// (starting, waiting_for_keyframe, waiting_for_writer), dropped and counted into the pause (paused_disk_full),
// nothing (ended). What a mode has to account for lives beside it in the recorder: the open break's gap
// (StreamBreak) and the open pause's gap (DiskFullPause). A pause outlives paused_disk_full by a little: once a
// new segment is open the recording is in `recording` again, but the pause's gap is written only when a fragment
// of that segment is in the file (a segment that cannot get one out is deleted and the pause goes on).
//
// How long the writer has been gone is measured by fifo::WriterAbsence (the grace period), in any mode.
#pragma once

#include <cstdint>

namespace zc::recorder {

enum class Mode : uint8_t {
  starting,              // no frame recorded yet: waiting for the first video keyframe
  recording,             // frames go into the open segment (one is opened at the next keyframe if none is)
  waiting_for_keyframe,  // after a break (lost frames, discontinuity): dropped until the next video keyframe
  waiting_for_writer,    // the ring's writer is gone; waiting (within the grace) for a new one
  paused_disk_full,      // a write met a full disk: frames dropped until a segment can be opened again
  ended,                 // finished: rows closed, nothing more is read
};

enum class ModeEvent : uint8_t {
  first_keyframe,        // the first video keyframe: the recording's start
  stream_break,          // a frame with lost_before > 0 or the discontinuity flag
  writer_gone,           // the ring reports no writer (first notice, within the grace)
  writer_back,           // a frame or a live writer after the writer was gone
  keyframe_after_break,  // the video keyframe that ends a break
  space_ran_out,         // ENOSPC/EDQUOT from a segment file, SQLITE_FULL from the catalog
  segment_reopened,      // while paused: a new segment could be opened at a keyframe
  end,                   // session over, stop, writer gone past the grace, end of stream, error
};

// What the recorder does on a step (docs/recording.md says what each one writes).
enum class ModeAction : uint8_t {
  none,
  anchor,                  // wall clock anchored at the first frame; recording row gets its start
  write_out_before_break,  // the fragment being filled is written (or the segment closed), a break is opened
  close_break,             // the break's gap row; the segment goes on across it or is closed
  pause,                   // the open segment is cut back to its last fragment; a pause is opened
  resume,                  // a new segment is open: the pause ends with its first fragment
  finish,                  // the open segment and the recording are closed, open gaps written
};

struct ModeStep {
  Mode next;
  ModeAction action;
};

// The transition table: every (mode, event) pair. Pure; the recorder applies `next` and then runs `action`.
ModeStep step(Mode mode, ModeEvent event) noexcept;

const char* to_string(Mode mode) noexcept;
const char* to_string(ModeEvent event) noexcept;
const char* to_string(ModeAction action) noexcept;

}  // namespace zc::recorder

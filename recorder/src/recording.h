// Recorder::Impl: one recording from its trigger to its end. It reads frames (the loop is in recorder.cpp) and
// drives the parts: the mode (recording_mode.h: what happens to a frame, every transition in one table), the
// segment lifecycle (segment_lifecycle.h: files and the rows they own), the catalog write queue
// (catalog_queue.h). Its methods live by concern: recording.cpp (frames, end), stream_break.cpp (breaks and a
// writer that is gone), disk_full.cpp (pause and resume), own_retention.cpp (--quota/--max-age/--min-free).
#pragma once

#include <zc/catalog/catalog.h>
#include <zc/catalog/files.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/writer_absence.h>
#include <zc/recorder/recorder.h>
#include <zc/recorder/storage_io.h>

#include "catalog_queue.h"
#include "frame_holder.h"
#include "recording_mode.h"
#include "rotation_policy.h"
#include "segment_lifecycle.h"
#include "wall_clock_map.h"

#include <atomic>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace zc::recorder {

// The open account of a break (modes waiting_for_keyframe, waiting_for_writer): its gap row is written at the
// keyframe that ends it, or at the end of the recording if frames were dropped after it.
struct StreamBreak {
  int64_t since_wall_ns = 0;  // end of what was recorded before it
  int64_t frames_lost = 0;    // lost in the ring, or dropped while waiting for the keyframe
  std::string reason;         // gap reason: lapped | discontinuity
};

// The open account of a full disk (mode paused_disk_full, and `recording` until the resumed segment has a
// fragment in the file): its `disk_full` gap row is written when it is over.
struct DiskFullPause {
  int64_t since_wall_ns = 0;   // where the kept part of the cut segment (or what was covered) ends
  int64_t frames = 0;          // frames of the recorded tracks dropped or cut back during this pause
  std::optional<int64_t> resumed_wall_ns;  // a segment is open again from this frame on, not yet durable
};

struct Recorder::Impl final : SegmentHost {
  Impl(RecorderOptions o, const Clock& c, catalog::Catalog cat, fifo::RingReader r, int64_t trigger_mono);
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  RecorderOptions opt;
  const Clock& clock;
  catalog::Catalog catalog;
  fifo::RingReader reader;
  catalog::UniqueFd lock_fd;  // the recording's liveness lock
  RecordingSession session;
  RotationPolicy rotation;
  WallClockMap wall_clock;
  RecordingSummary sum;
  std::atomic<uint64_t> triggers{0}, stops{0};
  std::shared_ptr<fifo::WakeSignal> wake;  // raised by trigger(), stop() and the owner: wakes poll() at once
  uint64_t triggers_seen = 0, stops_seen = 0;
  fifo::Frame frame;
  // Frames read from the ring while Recorder::start() waited for the catalog (held so the ring cannot lap them).
  std::deque<HeldFrame> held_frames;
  std::shared_ptr<const fifo::StreamInfo> held_info;  // of the held frame being handled, else null
  CatalogQueue rows;
  SegmentLifecycle segments;

  Mode mode = Mode::starting;
  std::optional<StreamBreak> stream_break;
  std::optional<DiskFullPause> pause;
  int64_t next_disk_retry_mono_ns = 0;
  fifo::WriterAbsence writer_absence;

  int64_t last_frame_wall_ns = 0;  // wall_clock time of the last frame handled
  std::optional<int64_t> resume_after_wall_ns;  // RecorderOptions::resume_after_recorded: the catalog's end
  // The newest segment that is closed: the recording's own retention keeps it.
  std::optional<int64_t> newest_closed_segment_id;
  // End of what segments and gap rows account for: a new gap starts here.
  std::optional<int64_t> covered_end_wall_ns;
  bool retention_full_warned = false;
  bool own_segments_warned = false;
  bool floor_warned = false;
  std::vector<uint32_t> skipped_track_ids;

  // --- the mode (recording_mode.h) ---
  // Moves to the step's next mode and returns its action for the caller to run.
  ModeAction transition(ModeEvent event);
  bool started() const noexcept { return wall_clock.anchored(); }

  // --- recording.cpp ---
  void warn(const std::string& msg) override;
  fifo::ReadStatus next_frame();
  const fifo::StreamInfo& stream_info() const;
  void apply_controls();
  void handle_frame(const fifo::FrameHeader& h, std::span<const std::byte> payload);
  void note_skipped_tracks(const fifo::StreamInfo& info, const SegmentParams& params);
  void close_segment(const std::string& end_reason);
  // A catalog write that may meet a full disk: it stays queued and the recording pauses.
  void catalog_write(CatalogWrite w);
  void finish(EndReason why);

  // --- stream_break.cpp ---
  void on_stream_break(const char* reason);
  void write_out_before_break(const char* reason);
  void end_break(const fifo::FrameHeader& h);
  bool wait_for_new_writer();
  void writer_present();

  // --- disk_full.cpp ---
  void space_ran_out(const std::exception& e, int64_t now_wall);
  void start_pause(const std::exception& e, int64_t since_wall, int64_t frames_cut);
  void end_pause(int64_t until_wall);
  bool try_resume(const fifo::FrameHeader& h, const SegmentParams& params, int64_t frame_wall);
  void confirm_resume();

  // --- own_retention.cpp ---
  void after_segment();
  // Drops from the summary the segments another process deleted meanwhile (`zcrec prune`, another recorder's
  // retention): the catalog, not this recorder's memory, says which of its segments still exist.
  void forget_segments_deleted_elsewhere();

  // --- SegmentHost ---
  void write_row(CatalogWrite w) override { catalog_write(std::move(w)); }
  void queue_row(CatalogWrite w) override { rows.write(std::move(w)); }
  bool flush_rows() override { return rows.flush(); }
  void frames_durable(int64_t newest_capture_mono_ns) override {
    if (newest_capture_mono_ns > 0) sum.fragment_latency_ns = clock.mono_ns() - newest_capture_mono_ns;
    confirm_resume();
  }
  void segment_closed(int64_t segment_id, int64_t end_wall_ns) override;
};

}  // namespace zc::recorder

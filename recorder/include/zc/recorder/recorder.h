// The recorder: follows one live ring from a pre-roll keyframe into fragmented MP4 segments indexed in the
// catalog. Library API: Recorder::start() (trigger at "now", pre-roll from the ring), trigger(), stop(), then
// poll()/run() until the post-roll is over. docs/recording.md describes the lifecycle and crash behaviour.
#pragma once

#include <zc/catalog/retention.h>
#include <zc/fifo/wake_signal.h>
#include <zc/fifo/writer_absence.h>
#include <zc/recorder/clock.h>
#include <zc/recorder/session.h>
#include <zc/recorder/storage_io.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zc::recorder {

struct RecorderOptions {
  std::string stream;
  std::filesystem::path dir = "zcrec-data";
  SessionTiming timing;
  int64_t segment_ns = 60'000'000'000;
  int64_t clock_jump_threshold_ns = 1'000'000'000;
  catalog::RetentionPolicy retention;                 // applied after every segment and while the disk is full
  bool fsync_fragments = false;                       // fdatasync each fragment (power-loss; SIGKILL needs none)
  bool recover_on_start = true;  // run recover_unfinished() first: crashed work only, never the whole history
  std::chrono::milliseconds wait_for_stream{0};       // how long start() waits for the ring to appear
  // How long a recording waits for a new writer when the ring's writer dies or restarts (the ring survives it);
  // the restart becomes a gap and a new segment. 0: end at once with EndReason::writer_gone.
  int64_t writer_grace_ns = fifo::WriterAbsence::kDefaultGraceNs;
  // Continuous recording resuming after a restart (zcrecd): frames captured before the end of what the catalog
  // already holds for the stream are skipped, and the recording starts at the first keyframe at or after that
  // end, so a generous pre-roll recovers what a dead recorder had not yet written without recording anything
  // twice. false: the pre-roll is recorded as asked (an event's footage may repeat what another recording has).
  bool resume_after_recorded = false;
  // The same from a time given by the owner, e.g. the end of a camera's footage in the cluster catalog when this
  // host takes the camera over from another (docs/cluster.md, "Failover"): the recording starts at the first
  // keyframe at or after it. With resume_after_recorded, the later of the two.
  std::optional<int64_t> resume_after_wall_ns;
  // The cluster lease epoch this recording is made under, stored on its catalog row (docs/cluster.md); none
  // outside a cluster.
  std::optional<int64_t> lease_epoch;
  std::string kind = "event";  // the recording row's kind: event (a trigger) | continuous (zcrecd's rolling one)
  std::function<void(const std::string&)> on_warning;  // disk full, skipped tracks, clock jumps ... as they happen
  // The segment files' file-system calls (storage_io.h); null: the real ones. Tests inject failures here.
  std::shared_ptr<StorageIo> storage_io;
  // The recorder sleeps on its ring until a keyframe, or at most fifo::kMaxWakeDelay (250 ms), and then writes
  // everything that came (docs/recording.md, "Waking and batching"). Raising this signal (from any thread) wakes
  // it at once: an owner that has news for it (an event, a stop) raises it after telling it. trigger() and
  // stop() raise it themselves. Null: the recorder makes its own.
  std::shared_ptr<fifo::WakeSignal> wake{};
};

struct RecordingSummary {
  int64_t recording_id = 0;
  std::string stream;
  int64_t trigger_wall_ns = 0;
  int64_t trigger_mono_ns = 0;
  int64_t preroll_requested_ns = 0;
  int64_t preroll_achieved_ns = 0;
  int64_t start_wall_ns = 0;
  int64_t end_wall_ns = 0;
  int64_t segments = 0;
  int64_t frames = 0;        // video frames in the files (a fragment cut back by a full disk is not)
  int64_t audio_frames = 0;
  int64_t bytes = 0;
  int64_t frames_lost = 0;   // lost in the ring (lapped), dropped while the disk was full or after a break
                             // until the next keyframe
  int64_t gaps = 0;
  int64_t clock_jumps = 0;
  int64_t writer_restarts = 0;
  // The newest fragment's write latency: from the capture of the newest frame written with it (the keyframe
  // that completed it) until the fragment was in the file and its catalog row written.
  int64_t fragment_latency_ns = 0;  // times the writer was gone and a new one took over within the grace period
  EndReason end_reason = EndReason::stopped;
  bool disk_full = false;  // now: paused by a full disk, frames dropped until a segment can be written again
  std::vector<std::string> skipped_tracks;  // e.g. "track 2 (opus): only one H.264/H.265 video and one AAC ..."
  std::vector<std::string> warnings;
  std::vector<std::string> segment_paths;   // relative to the storage directory; only files that still exist
                                            // (the recording's own retention may delete older ones, another
                                            // process's `zcrec prune` too: read back from the catalog at the end)
};

class Recorder {
 public:
  // Opens the catalog and the ring, picks the pre-roll keyframe and inserts the recording row.
  // Throws RecorderError or fifo::FifoError (stream not found ...). The recorder keeps `clock` (not a copy) until
  // it is destroyed: the clock must outlive it, and a temporary one is refused at compile time.
  static Recorder start(const RecorderOptions& options, const Clock& clock);
  static Recorder start(const RecorderOptions& options, const Clock&& clock) = delete;

  Recorder(Recorder&&) noexcept;
  Recorder& operator=(Recorder&&) noexcept;
  ~Recorder();  // an unfinished recording is closed as 'interrupted' with its segments complete

  // Both are async-signal-safe and thread-safe: they only bump counters that poll() applies, and raise the wake
  // signal so that a poll() asleep on the ring applies them at once.
  void trigger() noexcept;
  void stop() noexcept;

  // Records what is available, waiting up to max_wait for frames; false once the recording is over. It sleeps
  // until a keyframe, the wake signal or at most fifo::kMaxWakeDelay, whichever comes first, then writes every
  // frame that came meanwhile: a max_wait beyond kMaxWakeDelay costs no extra wakeups.
  bool poll(std::chrono::milliseconds max_wait);
  // poll() until over; returns the summary.
  const RecordingSummary& run();
  const RecordingSummary& summary() const noexcept;

  struct Impl;

 private:
  explicit Recorder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::recorder

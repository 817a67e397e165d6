// The reading side of a live ring (many per stream) or of a playback fifo (one). Readers take no lock: a
// reader that the writer laps notices it after its copy, drops the torn frame and resumes at a keyframe.
#pragma once

#include <zc/fifo/frame.h>
#include <zc/fifo/source_status.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace zc::fifo {

enum class StartAt {
  newest_keyframe,  // the newest keyframe in the ring (live view with the shortest startup)
  oldest_keyframe,  // the oldest keyframe still intact (the most history)
  next_keyframe,    // the first keyframe committed after attaching ("now")
  next_frame,       // the next frame committed after attaching, keyframe or not
};

enum class OnLapped {
  oldest_keyframe,  // resume at the first intact keyframe after the loss (the least loss)
  newest_keyframe,  // resume at the newest keyframe (catch up with live)
  next_frame,       // resume at the oldest intact frame, keyframe or not (audio-only consumers)
};

// Which frames wake a reader asleep in wait() (docs/concurrency.md, "Wakeup policy"). The writer honours it
// per reader without waiting on anyone: it skips the doorbell of a keyframe-only sleeper for other frames.
enum class WakeOn {
  every_frame,  // each frame as it is committed: per-frame latency (live view, tools)
  keyframe,     // an indexed keyframe or the end-of-stream mark, or WakePolicy::max_delay after falling asleep,
                // whichever comes first: a few wakeups per GOP instead of one per frame (the recorder)
};

// The longest a keyframe-only reader sleeps while frames may be waiting for it.
inline constexpr std::chrono::milliseconds kMaxWakeDelay{250};

struct WakePolicy {
  WakeOn on = WakeOn::every_frame;
  // WakeOn::keyframe: wait() sleeps at most this long at a time (also how often it checks that the writer is
  // alive); clamped to 1 ms .. kMaxWakeDelay. A frame is therefore seen at most this long after it is committed.
  std::chrono::milliseconds max_delay = kMaxWakeDelay;
};

class WakeSignal;

struct ReaderOptions {
  StartAt start = StartAt::newest_keyframe;
  OnLapped on_lapped = OnLapped::oldest_keyframe;
  // How long open() waits for the stream to appear; zero fails at once with not_found.
  std::chrono::milliseconds wait_for_stream{0};
  WakePolicy wake{};
  // Raised by the reader's own process (any thread, or a signal handler) when it needs the reader awake now: a
  // trigger, a stop, an event. wait() then returns at once. Null: only frames and timeouts end a wait.
  std::shared_ptr<const WakeSignal> interrupt{};
};

// end_of_stream: the writer marked the end of its input (RingWriter::end_stream, a playback fifo's end); `out`
// holds the mark's header (flag frame_flag::end_of_stream), no payload. Frames written later are read as usual.
enum class ReadStatus { frame, empty, end_of_stream };
enum class WaitStatus { ready, timeout, writer_gone, end_of_stream };

struct RingStatus {
  std::string name;
  uint32_t kind = 0;  // layout::Kind
  uint64_t object_bytes = 0, data_bytes = 0;
  uint64_t write_pos = 0, tail_pos = 0;
  uint64_t frames_held = 0, keyframes_held = 0;
  uint64_t next_seq = 0, frames_written = 0, payload_bytes_written = 0;
  int64_t oldest_mono_ns = 0, newest_mono_ns = 0;
  int64_t oldest_wall_ns = 0, newest_wall_ns = 0;
  uint32_t index_entries = 0, reader_slots = 0, readers_attached = 0;
  bool writer_alive = false;
  uint32_t writer_pid = 0, takeover_count = 0;
  uint64_t frames_dropped = 0, oversized_frames = 0;  // RingWriter::drop_frame(), over all writers
  std::optional<SourceStatus> source;                  // RingWriter::publish_source(), if the writer did
  int64_t writer_start_mono_ns = 0;
  StreamInfo info;
};

class RingReader {
 public:
  // Throws FifoError: not_found, corrupt_object, too_many_readers, timeout, invalid_name, system.
  static RingReader open(const std::string& name, const ReaderOptions& options = {});

  RingReader(RingReader&&) noexcept;
  RingReader& operator=(RingReader&&) noexcept;
  ~RingReader();

  // Copies the next frame into `out` (payload buffer reused). Never blocks.
  ReadStatus try_read(Frame& out);
  // Waits up to `timeout` for the next frame and copies it: ready means `out` holds a frame.
  WaitStatus read(Frame& out, std::chrono::milliseconds timeout);

  // Zero-copy: look at the next frame in place, then ask whether it is still intact, then consume it.
  struct View {
    FrameHeader header;
    std::span<const std::byte> payload;
  };
  std::optional<View> peek();
  bool still_valid(const View& view) const noexcept;
  void consume(const View& view);

  // Waiting. wait() sleeps until a frame is available (under WakeOn::keyframe: until a keyframe or the end of
  // the stream arrives, or frames have waited up to max_delay), the timeout passes, the writer is gone, or the
  // interrupt (ReaderOptions::interrupt) is raised: then it returns at once, ready if frames are there, else
  // timeout. When the ring was recreated under its name, wait() moves the reader to the new one (a new slot, a
  // new wake_fd()); it throws FifoError when that cannot happen (too_many_readers: every slot of the new ring is
  // taken).
  WaitStatus wait(std::chrono::milliseconds timeout);
  // For epoll: put wake_fd() in the set (EPOLLIN), call arm() before sleeping — if it returns false, data is
  // already there — and drain() after waking. Under WakeOn::keyframe the doorbell rings only at keyframes and
  // the end of the stream: the caller bounds its own sleep.
  int wake_fd() const noexcept;
  bool arm();
  void drain() noexcept;

  bool writer_alive() const;
  // Stream info in force for the last frame returned (or the newest one before any frame).
  const StreamInfo& stream_info() const noexcept;
  // Reloads the newest stream info (call before the first frame to learn the codec).
  const StreamInfo& refresh_stream_info();

  // Keyframe index: all answer from the index without touching payload.
  std::optional<KeyframeInfo> newest_keyframe() const;
  std::optional<KeyframeInfo> oldest_keyframe() const;
  // Newest keyframe whose CLOCK_MONOTONIC capture time is <= mono_ns (the pre-roll lookup).
  std::optional<KeyframeInfo> keyframe_at_or_before(int64_t mono_ns) const;
  // Positions the reader so that the next frame read is `kf` (if it is still intact; returns false otherwise).
  bool seek_to(const KeyframeInfo& kf);

  // The newest committed frame's capture times (the recorder's trigger time T).
  std::optional<FrameHeader> newest_frame_header() const;

  uint64_t frames_lost() const noexcept;
  uint64_t frames_read() const noexcept;
  uint32_t slot() const noexcept;
  const std::string& name() const noexcept;
  RingStatus status() const;

  // Reads a ring's status without attaching as a reader (used by `zcrec stat`).
  static RingStatus inspect(const std::string& name);

  struct Impl;

 private:
  explicit RingReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::fifo

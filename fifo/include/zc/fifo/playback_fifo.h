// The playback fifo: one writer (a player), one reader (a consumer), and the reader holds the writer back, so
// nothing is ever lost. Same frame and stream-info format as the live ring: a consumer may read it with a plain
// RingReader. PlaybackReader adds the control channel (seek, pause, resume, speed) and end-of-stream on top.
//
// Liveness, as in the live ring, is the kernel's OFD lock of each side: when either side dies, the other one
// learns it within one liveness slice (50 ms) with FifoErrc::peer_gone / PlaybackStatus::peer_gone.
// docs/playback.md describes the protocol additions and the reattach rules.
#pragma once

#include <zc/fifo/frame.h>
#include <zc/fifo/ring_reader.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace zc::fifo {

// What a reader may ask of the writer. Values are stored in shared memory: never renumber.
enum class ControlCommand : uint32_t {
  none = 0,
  seek = 1,       // arg: target time in the frames' wall_ns clock
  pause = 2,      // arg unused
  resume = 3,     // arg unused
  set_speed = 4,  // arg: speed x 1e6 (1'000'000 is real time)
};

struct ControlRequest {
  uint64_t generation = 0;
  ControlCommand command = ControlCommand::none;
  int64_t arg = 0;
};

struct PlaybackFifoOptions {
  uint64_t data_bytes = 16ULL << 20;  // rounded up to a power of two, at least 64 KiB
  bool group_access = false;
};

// Why a writer stopped waiting.
enum class WriterWake {
  ready,      // what was waited for happened (room, a reader, drained, or a control request)
  control,    // a control request is pending (poll_control())
  timeout,
  peer_gone,  // the reader that was attached died or detached
};

class PlaybackWriter {
 public:
  // Creates the fifo, or continues one whose writer died (the reader sees a discontinuity).
  // Throws FifoError: writer_busy, wrong_kind (a live ring has the name), foreign_object, invalid_name, system.
  static PlaybackWriter create(const std::string& name, const PlaybackFifoOptions& options = {});

  PlaybackWriter(PlaybackWriter&&) noexcept;
  PlaybackWriter& operator=(PlaybackWriter&&) noexcept;
  ~PlaybackWriter();  // releases the writer lock; the object stays so that a reader can drain it (see remove())

  void set_stream_info(const StreamInfo& info);
  const StreamInfo& stream_info() const noexcept;

  // Writes one frame, waiting while the fifo is full. Throws FifoError(peer_gone) when the reader that was
  // attached is gone, FifoError(timeout) when `timeout` passes first (negative: wait forever).
  void write(const FrameMeta& meta, std::span<const std::byte> payload,
             std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));

  // Marks the end of the stream: an empty frame flagged end_of_stream on the first track, then the control
  // block's end_of_stream flag. Nothing may be written afterwards.
  void end_stream();
  // Waits until the reader has taken everything written (ready), the reader went away (peer_gone) or timeout.
  WriterWake wait_drained(std::chrono::milliseconds timeout);

  // A request the reader made that has not been acknowledged yet.
  std::optional<ControlRequest> poll_control() const;
  // Applies `request`: frames written from now on carry its generation (the reader drops older ones).
  void acknowledge(const ControlRequest& request);

  // Sleeps until a control request arrives, the reader goes away, or timeout (the pacing sleep of a player).
  WriterWake wait_control(std::chrono::milliseconds timeout);
  // Waits until a reader is attached (a new one after peer_gone: the reattach path).
  WriterWake wait_for_reader(std::chrono::milliseconds timeout);

  bool reader_attached() const;
  // For epoll: wake_fd() becomes readable when the reader frees room or sends a request. Call arm() before
  // sleeping and drain() after; liveness is not signalled on the fd, so sleep at most 50 ms at a time and check
  // reader_attached().
  int wake_fd() const noexcept;
  void arm() noexcept;
  void drain() noexcept;

  uint64_t frames_written() const noexcept;
  size_t max_frame_bytes() const noexcept;
  const std::string& name() const noexcept;

  // Removes the object and its FIFOs (the same as RingWriter::remove).
  static void remove(const std::string& name);

  struct Impl;

 private:
  explicit PlaybackWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

enum class PlaybackStatus {
  frame,          // `out` holds a frame sent under the newest acknowledged request
  end_of_stream,  // the writer finished and everything was read
  timeout,
  peer_gone,      // the writer died (a restarted writer may continue the fifo: keep reading to follow it)
};

struct PlaybackReaderOptions {
  // How long open() waits for the fifo to appear.
  std::chrono::milliseconds wait_for_fifo{0};
};

class PlaybackReader {
 public:
  // Throws FifoError: not_found, timeout, wrong_kind (a live ring), too_many_readers (a reader is attached).
  static PlaybackReader open(const std::string& name, const PlaybackReaderOptions& options = {});

  PlaybackReader(PlaybackReader&&) noexcept;
  PlaybackReader& operator=(PlaybackReader&&) noexcept;
  ~PlaybackReader();

  // Next frame, skipping frames the writer sent before acknowledging the newest request. The end-of-stream
  // marker frame is not returned: it becomes PlaybackStatus::end_of_stream.
  PlaybackStatus read(Frame& out, std::chrono::milliseconds timeout);

  // Control requests; each returns its generation. After a seek, read() drops every frame the writer sent
  // before it applied the seek; frames queued before a pause or speed change are still delivered. Requests do
  // not queue: one made before the writer acknowledged the previous one replaces it.
  uint64_t seek(int64_t wall_ns);
  uint64_t pause();
  uint64_t resume();
  uint64_t set_speed(double speed);
  uint64_t acknowledged_generation() const noexcept;

  RingReader& ring() noexcept;  // epoll: ring().wake_fd(), arm(), drain()
  const StreamInfo& stream_info() const noexcept;

  struct Impl;

 private:
  explicit PlaybackReader(std::unique_ptr<Impl> impl);
  uint64_t request(ControlCommand command, int64_t arg);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::fifo

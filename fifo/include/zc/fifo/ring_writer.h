// The writing side of a live ring: one per stream, never waits for readers.
#pragma once

#include <zc/fifo/frame.h>
#include <zc/fifo/source_status.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace zc::fifo {

struct RingOptions {
  uint64_t data_bytes = 64ULL << 20;  // rounded up to a power of two
  uint32_t index_entries = 16384;     // keyframes remembered; rounded up to a power of two
  uint32_t reader_slots = 32;         // at most 64
  bool group_access = false;          // create 0660 instead of 0600
  // When an existing ring of another capacity is found, recreate it with ours (readers re-attach) instead of
  // continuing it with its own capacity.
  bool force_capacity = false;
};

class RingWriter;

// A frame being filled in place (zero-copy); commit() publishes it, destruction without commit() discards it.
class FrameReservation {
 public:
  FrameReservation(FrameReservation&&) noexcept;
  FrameReservation& operator=(FrameReservation&&) = delete;
  FrameReservation(const FrameReservation&) = delete;
  ~FrameReservation();

  std::span<std::byte> data() noexcept { return data_; }
  void commit();

 private:
  friend class RingWriter;
  FrameReservation(RingWriter* writer, std::span<std::byte> data) : writer_(writer), data_(data) {}
  RingWriter* writer_;
  std::span<std::byte> data_;
};

// A frame written from pieces (NAL units as the encoder hands them out); the pieces must add up to the size
// declared in begin_frame(), or commit() throws and nothing is published.
class FrameBuilder {
 public:
  FrameBuilder(FrameBuilder&&) noexcept;
  FrameBuilder& operator=(FrameBuilder&&) = delete;
  FrameBuilder(const FrameBuilder&) = delete;
  ~FrameBuilder();

  FrameBuilder& append(std::span<const std::byte> piece);
  FrameBuilder& append(const void* data, size_t bytes);
  void commit();

 private:
  friend class RingWriter;
  FrameBuilder(FrameReservation r) : reservation_(std::move(r)) {}
  FrameReservation reservation_;
  size_t filled_ = 0;
};

// How late a live writer may commit a frame after it arrived while has_every_frame_reader() is false: it reads
// its camera in batches at most this far apart. Readers that end on a deadline (the recorder's post-roll) wait
// this much longer for frames captured before it.
inline constexpr std::chrono::milliseconds kMaxBatchDelay{100};

class RingWriter {
 public:
  // Creates the ring, or takes over one whose writer died (positions continue, readers see a discontinuity).
  // Throws FifoError: writer_busy, foreign_object, wrong_owner, invalid_name, system.
  static RingWriter open(const std::string& name, const RingOptions& options = {});

  RingWriter(RingWriter&&) noexcept;
  RingWriter& operator=(RingWriter&&) noexcept;
  ~RingWriter();

  // Publishes a new stream-info version; frames written afterwards carry it. Must precede the first frame.
  void set_stream_info(const StreamInfo& info);
  const StreamInfo& stream_info() const noexcept;

  // Copies a whole frame in.
  void write(const FrameMeta& meta, std::span<const std::byte> payload);
  void write(const FrameMeta& meta, const void* data, size_t bytes);
  // Marks a deliberate end of the stream (a finite input is over): an empty frame on the first track flagged
  // frame_flag::end_of_stream, its timestamps zero. Readers then know that no new writer is coming, unlike a
  // writer that died or was stopped for a restart; live readers (`zcrec cat`, the recorder) end at it instead of
  // waiting out their writer grace. Frames written afterwards start the stream again.
  void end_stream();
  // Describes what the ring is fed from for every process that inspects it (`zcrec stat`): a seqlock in the
  // header page, no effect on frames. Call on every state change and now and then for the counters; text longer
  // than SourceStatus::kMaxText bytes is cut. Never publish credentials (the caller redacts them).
  void publish_source(const SourceStatus& status) noexcept;
  // Zero-copy: reserve space in the ring, fill it, commit.
  FrameReservation reserve(const FrameMeta& meta, size_t bytes);
  // From pieces.
  FrameBuilder begin_frame(const FrameMeta& meta, size_t total_bytes);

  // A frame larger than max_frame_bytes() cannot be written (write() throws frame_too_large). A live source
  // drops it instead: drop_frame() counts it in the ring (RingStatus::frames_dropped, ::oversized_frames when
  // `bytes` exceeds the limit) and flags the next frame written as a discontinuity. The caller should call it
  // for every frame it drops, and resume at a keyframe.
  void drop_frame(size_t bytes) noexcept;

  // True while a reader that wakes on every frame (WakeOn::every_frame: live view, `zcrec cat`, an RTSP client
  // of `zcrec serve`) is attached; false with no readers or only keyframe-woken ones (the recorder). A live
  // source may then hand frames over in batches, up to kMaxBatchDelay late, instead of one wakeup per picture
  // (docs/concurrency.md, "Wakeup policy"). Costs a lock query (fcntl) per attached every-frame reader, none
  // for the others: ask it once per batch, not per frame.
  bool has_every_frame_reader();

  size_t max_frame_bytes() const noexcept;
  uint64_t data_bytes() const noexcept;
  bool took_over() const noexcept;  // true when this writer continued a ring whose writer had died
  const std::string& name() const noexcept;

  // Removes the shared-memory object and wake FIFOs of a stream (readers keep their mappings).
  static void remove(const std::string& name);

  struct Impl;

 private:
  friend class FrameReservation;
  explicit RingWriter(std::unique_ptr<Impl> impl);
  void commit_reserved();
  void abandon_reserved() noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::fifo

// The writing side of a playback fifo: the live ring's WriterCore with a room policy that waits for the single
// reader instead of evicting, plus the writer's half of the control channel (see playback_control.h).
#include <zc/fifo/error.h>
#include <zc/fifo/playback_fifo.h>
#include <zc/fifo/ring_writer.h>

#include "layout.h"
#include "playback_control.h"
#include "shm_object.h"
#include "doorbell.h"
#include "writer_core.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace zc::fifo {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {
constexpr uint32_t kReaderSlot = 0;

// Refuses to take a name that a live ring uses: attach_as_writer would otherwise replace a dead live ring.
void require_not_live_ring(const std::string& name) {
  try {
    auto existing = attach_as_reader(name);
    if (existing.map.header->kind != static_cast<uint32_t>(layout::Kind::playback_fifo))
      throw FifoError(FifoErrc::wrong_kind, "'" + name + "' is a live ring, not a playback fifo");
  } catch (const FifoError& e) {
    if (e.code() == FifoErrc::wrong_kind || e.code() == FifoErrc::foreign_object) throw;
    // not_found, half-created or corrupt: attach_as_writer deals with those.
  }
}

// Deadline of a wait; a negative timeout never expires.
struct Deadline {
  explicit Deadline(milliseconds timeout)
      : forever(timeout.count() < 0), at(Clock::now() + (forever ? milliseconds(0) : timeout)) {}
  bool passed() const { return !forever && Clock::now() >= at; }
  int slice_ms(milliseconds slice) const {
    if (forever) return static_cast<int>(slice.count());
    const auto left = std::chrono::duration_cast<milliseconds>(at - Clock::now()) + milliseconds(1);
    return static_cast<int>(std::clamp(left, milliseconds(0), slice).count());
  }
  bool forever;
  Clock::time_point at;
};

}  // namespace

struct PlaybackWriter::Impl {
  std::string name;
  WriterCore core;
  Doorbell wake;
  uint32_t epoch_at_create = 0;
  bool reader_seen = false;
  bool reader_present = false;
  bool ended = false;
  Clock::time_point last_liveness_check{};
  Deadline write_deadline{milliseconds(-1)};

  layout::Header& h() const { return *core.map().header; }
  layout::ReaderSlot& slot() const { return core.map().slots[kReaderSlot]; }
  layout::ControlBlock& control() const { return h().control; }

  bool reader_locked() const { return byte_locked(core.fd(), layout::reader_lock_byte(kReaderSlot)); }

  // True while a reader is attached; false when none is. Remembers that a reader came at all, because only a
  // reader that came and went is a dead peer; one that has not come yet is awaited.
  bool check_reader() {
    last_liveness_check = Clock::now();
    reader_present = reader_locked();
    if (reader_present || slot().epoch.load(std::memory_order_acquire) != epoch_at_create) reader_seen = true;
    return reader_present;
  }
  bool peer_gone() { return !check_reader() && reader_seen; }

  [[noreturn]] void throw_peer_gone() const {
    throw FifoError(FifoErrc::peer_gone, "playback fifo '" + name + "': the reader is gone");
  }

  void arm() noexcept {
    control().writer_waiting.store(1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }

  // One bounded sleep on the doorbell.
  void sleep(const Deadline& d) {
    if (wake.wait(d.slice_ms(playback_control::kLivenessSlice))) wake.drain();
  }

  void write_frame(const FrameMeta& meta, std::span<const std::byte> payload, milliseconds timeout) {
    write_deadline = Deadline(timeout);
    auto room = core.reserve(meta, payload.size());
    if (!payload.empty()) std::memcpy(room.data(), payload.data(), payload.size());
    core.commit();
  }

  uint64_t wait_for_room(uint64_t min_tail) {
    for (;;) {
      uint64_t read = slot().read_pos.load(std::memory_order_acquire);
      if (read >= min_tail) return read;
      arm();
      read = slot().read_pos.load(std::memory_order_acquire);
      if (read >= min_tail) return read;
      if (peer_gone()) throw_peer_gone();
      if (write_deadline.passed())
        throw FifoError(FifoErrc::timeout, "playback fifo '" + name + "': the reader took nothing for too long");
      sleep(write_deadline);
    }
  }
};

PlaybackWriter::PlaybackWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PlaybackWriter::PlaybackWriter(PlaybackWriter&&) noexcept = default;
PlaybackWriter& PlaybackWriter::operator=(PlaybackWriter&&) noexcept = default;
PlaybackWriter::~PlaybackWriter() = default;

PlaybackWriter PlaybackWriter::create(const std::string& name, const PlaybackFifoOptions& options) {
  require_valid_name(name);
  require_not_live_ring(name);
  CreateRequest req;
  req.kind = layout::Kind::playback_fifo;
  if (options.data_bytes > layout::kMaxDataBytes)
    throw FifoError(FifoErrc::invalid_argument, "playback fifo size exceeds the maximum of 64 GiB");
  req.data_bytes = std::bit_ceil(std::max(options.data_bytes, layout::kMinDataBytes));
  req.index_entries = layout::kMinIndexEntries;
  req.reader_slots = 1;
  req.group_access = options.group_access;
  auto attached = attach_as_writer(name, req);
  auto impl = std::make_unique<Impl>();
  impl->name = name;
  impl->core.attach(name, std::move(attached.object), attached.took_over);
  impl->wake = Doorbell(writer_wake_fifo_path(name), options.group_access, Doorbell::Lifetime::object);
  impl->epoch_at_create = impl->slot().epoch.load(std::memory_order_acquire);
  impl->control().end_of_stream.store(0, std::memory_order_relaxed);
  Impl* self = impl.get();
  impl->core.set_room_policy([self](uint64_t min_tail) { return self->wait_for_room(min_tail); });
  impl->check_reader();
  return PlaybackWriter(std::move(impl));
}

void PlaybackWriter::set_stream_info(const StreamInfo& info) { impl_->core.set_stream_info(info); }
const StreamInfo& PlaybackWriter::stream_info() const noexcept { return impl_->core.stream_info(); }

void PlaybackWriter::write(const FrameMeta& meta, std::span<const std::byte> payload, milliseconds timeout) {
  auto& d = *impl_;
  if (d.ended) throw FifoError(FifoErrc::invalid_argument, "playback fifo '" + d.name + "': stream already ended");
  // A full fifo notices a dead reader while waiting; a fifo with room notices it here, once per slice.
  if (Clock::now() - d.last_liveness_check >= playback_control::kLivenessSlice) d.check_reader();
  if (d.reader_seen && !d.reader_present) d.throw_peer_gone();
  d.write_frame(meta, payload, timeout);
}

void PlaybackWriter::end_stream() {
  auto& d = *impl_;
  if (d.ended) return;
  if (!d.core.stream_info().tracks.empty()) {
    FrameMeta m;
    m.track = d.core.stream_info().tracks.front().track_id;
    m.flags = frame_flag::end_of_stream;
    // Written even while no reader is attached: a reader that reattaches must still find the end.
    d.write_frame(m, {}, std::chrono::milliseconds(-1));
  }
  d.ended = true;
  d.control().end_of_stream.store(1, std::memory_order_release);
  d.core.ring_readers();
}

WriterWake PlaybackWriter::wait_drained(milliseconds timeout) {
  auto& d = *impl_;
  const Deadline deadline(timeout);
  for (;;) {
    const uint64_t target = d.h().write_pos.load(std::memory_order_relaxed);
    if (d.slot().read_pos.load(std::memory_order_acquire) >= target) return WriterWake::ready;
    d.arm();
    if (d.slot().read_pos.load(std::memory_order_acquire) >= target) return WriterWake::ready;
    if (d.peer_gone()) return WriterWake::peer_gone;
    if (deadline.passed()) return WriterWake::timeout;
    d.sleep(deadline);
  }
}

std::optional<ControlRequest> PlaybackWriter::poll_control() const {
  return playback_control::pending(impl_->control());
}

void PlaybackWriter::acknowledge(const ControlRequest& request) {
  auto& d = *impl_;
  playback_control::acknowledge(d.control(), request.generation, d.h().next_seq.load(std::memory_order_relaxed));
}

WriterWake PlaybackWriter::wait_control(milliseconds timeout) {
  auto& d = *impl_;
  const Deadline deadline(timeout);
  for (;;) {
    if (poll_control()) return WriterWake::control;
    d.arm();
    if (poll_control()) return WriterWake::control;
    if (d.peer_gone()) return WriterWake::peer_gone;
    if (deadline.passed()) return WriterWake::timeout;
    d.sleep(deadline);
  }
}

WriterWake PlaybackWriter::wait_for_reader(milliseconds timeout) {
  auto& d = *impl_;
  const Deadline deadline(timeout);
  // A reader that attached, took everything and left between two polls also counts: it came.
  const uint32_t epoch = d.slot().epoch.load(std::memory_order_acquire);
  for (;;) {
    if (d.check_reader() || d.slot().epoch.load(std::memory_order_acquire) != epoch) return WriterWake::ready;
    if (deadline.passed()) return WriterWake::timeout;
    // A reader announces itself only through its lock, so this is a poll; 10 ms keeps startup short.
    d.wake.wait(deadline.slice_ms(milliseconds(10)));
    d.wake.drain();
  }
}

bool PlaybackWriter::reader_attached() const { return impl_->check_reader(); }
int PlaybackWriter::wake_fd() const noexcept { return impl_->wake.fd(); }
void PlaybackWriter::arm() noexcept { impl_->arm(); }
void PlaybackWriter::drain() noexcept { impl_->wake.drain(); }
uint64_t PlaybackWriter::frames_written() const noexcept {
  return impl_->h().frames_written.load(std::memory_order_relaxed);
}
size_t PlaybackWriter::max_frame_bytes() const noexcept { return impl_->core.max_frame_bytes(); }
const std::string& PlaybackWriter::name() const noexcept { return impl_->name; }

void PlaybackWriter::remove(const std::string& name) { RingWriter::remove(name); }

}  // namespace zc::fifo

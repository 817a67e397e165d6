// The reading side of a playback fifo: a RingReader (the frames) plus a second mapping of the same object for
// the control channel (see playback_control.h). It drops frames sent before the newest acknowledged request and
// turns the end-of-stream marker into a status.
#include <zc/fifo/error.h>
#include <zc/fifo/playback_fifo.h>

#include "layout.h"
#include "playback_control.h"
#include "shm_object.h"
#include "doorbell.h"

#include <cmath>
#include <thread>

namespace zc::fifo {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct PlaybackReader::Impl {
  std::string name;
  AttachedObject control_object;  // a mapping of its own, so RingReader needs no playback knowledge
  RingReader ring;
  DoorbellRinger writer_wake;
  uint64_t requested = 0;  // generation of our newest request; 0: none
  std::optional<uint64_t> first_fresh_seq;
  bool ended = false;

  layout::ControlBlock& control() const { return control_object.map.header->control; }

  bool stale(uint64_t seq) {
    if (requested == 0) return false;
    if (!first_fresh_seq) first_fresh_seq = playback_control::first_seq_after(control(), requested);
    return !first_fresh_seq || seq < *first_fresh_seq;
  }
};

PlaybackReader::PlaybackReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PlaybackReader::PlaybackReader(PlaybackReader&&) noexcept = default;
PlaybackReader& PlaybackReader::operator=(PlaybackReader&&) noexcept = default;
PlaybackReader::~PlaybackReader() = default;

PlaybackReader PlaybackReader::open(const std::string& name, const PlaybackReaderOptions& options) {
  require_valid_name(name);
  const auto deadline = Clock::now() + options.wait_for_fifo;
  AttachedObject control;
  for (;;) {
    try {
      control = attach_as_reader(name);
      break;
    } catch (const FifoError& e) {
      if (e.code() != FifoErrc::not_found) throw;
      if (Clock::now() >= deadline) {
        if (options.wait_for_fifo.count() > 0)
          throw FifoError(FifoErrc::timeout, std::string(e.what()) + " (waited " +
                                                 std::to_string(options.wait_for_fifo.count()) + " ms)");
        throw;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
  }
  if (control.map.header->kind != static_cast<uint32_t>(layout::Kind::playback_fifo))
    throw FifoError(FifoErrc::wrong_kind, "'" + name + "' is a live ring, not a playback fifo");
  ReaderOptions ro;
  ro.start = StartAt::next_frame;
  auto ring = RingReader::open(name, ro);
  auto impl = std::unique_ptr<Impl>(new Impl{name, std::move(control), std::move(ring), {}, 0, std::nullopt, false});
  return PlaybackReader(std::move(impl));
}

PlaybackStatus PlaybackReader::read(Frame& out, milliseconds timeout) {
  auto& d = *impl_;
  if (d.ended) return PlaybackStatus::end_of_stream;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    // RingReader waits out its whole timeout for a live ring's writer to come back; a playback reader wants to
    // know at once, so it waits in liveness slices.
    const auto left = std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
    const auto slice = std::min<milliseconds>(left, playback_control::kLivenessSlice);
    switch (d.ring.read(out, slice)) {
      case WaitStatus::ready:
        if (d.stale(out.header.seq)) continue;
        return PlaybackStatus::frame;
      case WaitStatus::end_of_stream:  // the writer's end mark (RingReader hands it out as a status)
        if (d.stale(out.header.seq)) continue;
        d.ended = true;
        return PlaybackStatus::end_of_stream;
      case WaitStatus::timeout:
        if (Clock::now() >= deadline) return PlaybackStatus::timeout;
        break;
      case WaitStatus::writer_gone:
        return PlaybackStatus::peer_gone;
    }
  }
}

uint64_t PlaybackReader::request(ControlCommand command, int64_t arg) {
  auto& d = *impl_;
  const uint64_t g = playback_control::publish(d.control(), command, arg);
  if (command == ControlCommand::seek) {
    // Only a seek makes queued frames obsolete; frames queued before a pause or a speed change still play.
    d.requested = g;
    d.first_fresh_seq.reset();
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
  auto& waiting = d.control().writer_waiting;
  if (waiting.load(std::memory_order_relaxed) != 0 && waiting.exchange(0, std::memory_order_acq_rel) != 0)
    d.writer_wake.ring(writer_wake_fifo_path(d.name), 0);
  return g;
}

uint64_t PlaybackReader::seek(int64_t wall_ns) { return request(ControlCommand::seek, wall_ns); }
uint64_t PlaybackReader::pause() { return request(ControlCommand::pause, 0); }
uint64_t PlaybackReader::resume() { return request(ControlCommand::resume, 0); }
uint64_t PlaybackReader::set_speed(double speed) {
  if (!std::isfinite(speed) || speed == 0)
    throw FifoError(FifoErrc::invalid_argument, "speed must be a finite non-zero number");
  return request(ControlCommand::set_speed, std::llround(speed * 1e6));
}
uint64_t PlaybackReader::acknowledged_generation() const noexcept {
  return impl_->control().ack_generation.load(std::memory_order_acquire);
}

RingReader& PlaybackReader::ring() noexcept { return impl_->ring; }
const StreamInfo& PlaybackReader::stream_info() const noexcept { return impl_->ring.stream_info(); }

}  // namespace zc::fifo

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>

#include "keyframe_index.h"
#include "layout.h"
#include "racy_copy.h"
#include "ring_status.h"
#include "shm_object.h"
#include "stream_info_slots.h"
#include "doorbell.h"

#include <zc/fifo/wake_signal.h>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

namespace zc::fifo {

using layout::RecordHeader;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kLivenessPollInterval = std::chrono::milliseconds(50);

// The caller-visible part of a record header; lost_before and the stream-info fields are the reader's to add.
FrameHeader header_of(const RecordHeader& rh) {
  FrameHeader out;
  out.track = rh.track;
  out.flags = static_cast<uint16_t>(rh.flags & layout::kFrameFlagsMask);
  out.pts = rh.pts;
  out.dts = rh.dts;
  out.wall_ns = rh.wall_ns;
  out.mono_ns = rh.mono_ns;
  out.seq = rh.seq;
  out.pos = rh.pos;
  out.size = rh.payload_bytes;
  return out;
}

bool is_playback(const RingMap& m) {
  return m.header->kind == static_cast<uint32_t>(layout::Kind::playback_fifo);
}
}  // namespace

struct RingReader::Impl {
  std::string name;
  ReaderOptions options;
  AttachedObject object;
  RingMap m;
  uint32_t slot = 0;
  Doorbell wake;
  DoorbellRinger writer_wake;  // playback fifo: rung when the writer waits for room

  uint64_t pos = 0;
  uint64_t expected_seq = 0;  // 0: nothing delivered yet, so nothing can be counted as lost
  bool need_keyframe = false;
  bool pending_discontinuity = false;  // set when the reader followed a recreated object
  StreamInfo info;
  uint64_t frames_read = 0;
  uint64_t frames_lost = 0;

  bool keyframe_wakeups() const { return options.wake.on == WakeOn::keyframe; }
  // How long one sleep of wait() lasts at most: the liveness check's interval, or the keyframe reader's bound.
  std::chrono::milliseconds sleep_slice() const {
    if (!keyframe_wakeups()) return kLivenessPollInterval;
    return std::clamp(options.wake.max_delay, std::chrono::milliseconds(1), kMaxWakeDelay);
  }
  // Sleeps on the doorbell and the interrupt; returns what woke it.
  struct Woken {
    bool doorbell = false, interrupt = false;
  };
  Woken sleep(std::chrono::milliseconds slice);

  layout::ReaderSlot& my_slot() const { return m.slots[slot]; }
  layout::Header& h() const { return *m.header; }

  void attach_object(AttachedObject obj);
  void position_at_start(StartAt start);
  void on_lapped();
  bool next_header(RecordHeader& rh);
  void deliver(const RecordHeader& rh, FrameHeader& out);
  void publish_progress();
  bool data_available() const {
    return h().write_pos.load(std::memory_order_acquire) != pos;
  }
  void adopt_generation(uint32_t low32, FrameHeader& out);
};

void RingReader::Impl::attach_object(AttachedObject obj) {
  const uint32_t slots = obj.map.header->reader_slots;
  uint32_t chosen = slots;
  for (uint32_t i = 0; i < slots; ++i)
    if (try_lock_byte(obj.fd.get(), layout::reader_lock_byte(i))) {
      chosen = i;
      break;
    }
  if (chosen == slots) {
    if (is_playback(obj.map))
      throw FifoError(FifoErrc::too_many_readers, "playback fifo '" + name + "' already has a reader");
    throw FifoError(FifoErrc::too_many_readers,
                    "stream '" + name + "' already has " + std::to_string(slots) + " live readers");
  }
  // The new doorbell exists before anything is committed: a reader that cannot make one keeps its old object
  // and doorbell instead of sleeping on no doorbell at all. Replacing `wake` unlinks the old one (another slot's
  // path when the reader moved).
  Doorbell fresh_wake(wake_fifo_path(name, chosen), false, Doorbell::Lifetime::sleeper);
  object = std::move(obj);
  m = object.map;
  slot = chosen;
  wake = std::move(fresh_wake);
  auto& s = my_slot();
  s.waiting.store(0, std::memory_order_relaxed);
  s.wake_on.store(static_cast<uint32_t>(keyframe_wakeups() ? layout::WakeOn::keyframe : layout::WakeOn::every_frame),
                  std::memory_order_relaxed);
  s.pid.store(static_cast<uint32_t>(::getpid()), std::memory_order_relaxed);
  s.frames_read.store(0, std::memory_order_relaxed);
  s.frames_lost.store(0, std::memory_order_relaxed);
  s.attach_mono_ns.store(mono_now_ns(), std::memory_order_relaxed);
  s.epoch.fetch_add(1, std::memory_order_release);
  if (auto loaded = load_stream_info(m.info, h().info_generation.load(std::memory_order_acquire)))
    info = std::move(*loaded);
}

void RingReader::Impl::position_at_start(StartAt start) {
  std::optional<KeyframeInfo> kf;
  need_keyframe = start != StartAt::next_frame;
  if (is_playback(m)) {
    // The playback fifo never loses anything: its reader starts at the oldest unread record, which is where a
    // dead predecessor in the single slot stopped if the writer has not yet reclaimed that room.
    pos = h().tail_pos.load(std::memory_order_acquire);
    const uint64_t left_at = my_slot().read_pos.load(std::memory_order_acquire);
    if (left_at > pos && left_at <= h().write_pos.load(std::memory_order_acquire)) pos = left_at;
    need_keyframe = false;
  } else if (start == StartAt::newest_keyframe) {
    kf = keyframe_index::newest(m);
  } else if (start == StartAt::oldest_keyframe) {
    kf = keyframe_index::oldest(m);
  }
  if (kf) {
    pos = kf->pos;
    expected_seq = kf->seq;
  } else if (!is_playback(m)) {
    pos = h().write_pos.load(std::memory_order_acquire);
    // Frames skipped while waiting for a first keyframe are not lost; frames overwritten before a next_frame
    // reader got to them are. next_seq is read after write_pos, so it can only undercount.
    if (start == StartAt::next_frame) expected_seq = h().next_seq.load(std::memory_order_acquire);
  }
  my_slot().read_pos.store(pos, std::memory_order_release);
}

void RingReader::Impl::on_lapped() {
  std::optional<KeyframeInfo> kf;
  switch (options.on_lapped) {
    case OnLapped::oldest_keyframe: kf = keyframe_index::oldest(m); break;
    case OnLapped::newest_keyframe: kf = keyframe_index::newest(m); break;
    case OnLapped::next_frame: break;
  }
  need_keyframe = options.on_lapped != OnLapped::next_frame;
  pos = kf ? kf->pos : h().tail_pos.load(std::memory_order_acquire);
}

// Finds the header of the next deliverable record at `pos`, skipping padding and (when resynchronising)
// non-keyframes. Returns false when there is nothing to read. The header is validated but the record is only
// known to be intact until the writer moves on: callers re-check tail after copying the payload.
bool RingReader::Impl::next_header(RecordHeader& rh) {
  for (;;) {
    const uint64_t w = h().write_pos.load(std::memory_order_acquire);
    if (pos >= w) {
      if (pos > w) pos = w;  // cannot happen with a sane writer; never read past what is published
      return false;
    }
    if (h().tail_pos.load(std::memory_order_acquire) > pos) {
      on_lapped();
      continue;
    }
    racy_copy(&rh, m.at(pos), sizeof rh);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (h().tail_pos.load(std::memory_order_relaxed) > pos) {
      on_lapped();
      continue;
    }
    const uint64_t off = pos & m.data_mask;
    if (rh.pos != pos || rh.record_bytes < sizeof rh || rh.record_bytes % layout::kRecordAlign != 0 ||
        off + rh.record_bytes > h().data_bytes || pos + rh.record_bytes > w ||
        rh.payload_bytes > rh.record_bytes - sizeof rh) {
      // Intact by the protocol yet malformed: the memory was scribbled on. Skip to what is newest.
      pos = w;
      need_keyframe = !is_playback(m);
      continue;
    }
    if ((rh.flags & layout::kRecordPadding) != 0 ||
        (need_keyframe && (rh.flags & layout::kRecordIndexed) == 0)) {
      pos += rh.record_bytes;
      continue;
    }
    if (expected_seq != 0 && rh.seq < expected_seq) {
      // Published frames' sequence numbers only grow, even across takeovers: one below what was delivered
      // is scribbled memory too, not a frame to deliver twice.
      pos = w;
      need_keyframe = !is_playback(m);
      continue;
    }
    return true;
  }
}

void RingReader::Impl::adopt_generation(uint32_t low32, FrameHeader& out) {
  if (info.generation != 0 && static_cast<uint32_t>(info.generation) == low32) {
    out.info_generation = info.generation;
    return;
  }
  const uint64_t current = h().info_generation.load(std::memory_order_acquire);
  const uint64_t full = current - static_cast<uint32_t>(static_cast<uint32_t>(current) - low32);
  out.info_generation = full;
  if (auto loaded = load_stream_info(m.info, full)) {
    info = std::move(*loaded);
    out.info_changed = true;
  }
}

void RingReader::Impl::deliver(const RecordHeader& rh, FrameHeader& out) {
  out = header_of(rh);
  out.info_changed = false;
  out.lost_before = (expected_seq != 0 && rh.seq > expected_seq) ? rh.seq - expected_seq : 0;
  if (out.lost_before != 0) {
    frames_lost += out.lost_before;
    out.flags |= frame_flag::discontinuity;
    my_slot().frames_lost.store(frames_lost, std::memory_order_relaxed);
  }
  if (pending_discontinuity) out.flags |= frame_flag::discontinuity;
  pending_discontinuity = false;
  adopt_generation(rh.info_generation, out);
  expected_seq = rh.seq + 1;
  need_keyframe = false;
  pos = rh.pos + rh.record_bytes;
  ++frames_read;
  publish_progress();
}

void RingReader::Impl::publish_progress() {
  auto& s = my_slot();
  s.frames_read.store(frames_read, std::memory_order_relaxed);
  s.read_pos.store(pos, std::memory_order_release);
  if (is_playback(m)) {
    // The writer may be asleep waiting for the room we just freed.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (h().control.writer_waiting.load(std::memory_order_relaxed) != 0 &&
        h().control.writer_waiting.exchange(0, std::memory_order_acq_rel) != 0)
      writer_wake.ring(writer_wake_fifo_path(name), 0);
  }
}

// --- RingReader ---

RingReader::RingReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RingReader::RingReader(RingReader&&) noexcept = default;
RingReader& RingReader::operator=(RingReader&&) noexcept = default;
RingReader::~RingReader() = default;

RingReader RingReader::open(const std::string& name, const ReaderOptions& options) {
  require_valid_name(name);
  // At most a year: a larger wait would overflow the clock's arithmetic and wait for no time at all.
  const auto deadline = Clock::now() + std::min<std::chrono::milliseconds>(options.wait_for_stream, std::chrono::hours(24 * 365));
  auto impl = std::make_unique<Impl>();
  impl->name = name;
  impl->options = options;
  for (;;) {
    try {
      impl->attach_object(attach_as_reader(name));
      break;
    } catch (const FifoError& e) {
      if (e.code() != FifoErrc::not_found || Clock::now() >= deadline) {
        if (e.code() == FifoErrc::not_found && options.wait_for_stream.count() > 0)
          throw FifoError(FifoErrc::timeout, std::string(e.what()) + " (waited " +
                                                 std::to_string(options.wait_for_stream.count()) + " ms)");
        throw;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  impl->position_at_start(options.start);
  RingReader reader(std::move(impl));
  // ReaderOptions::wait_for_stream also waits for the writer's tracks: a network camera's writer creates its
  // ring before the camera has told them (its source status is there from the start), and a reader that waited
  // for the stream wants the stream, not an empty ring. Without a wait, the caller sees the empty ring.
  while (options.wait_for_stream.count() > 0 && reader.refresh_stream_info().tracks.empty() && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return reader;
}

ReadStatus RingReader::try_read(Frame& out) {
  auto& d = *impl_;
  RecordHeader rh;
  while (d.next_header(rh)) {
    out.payload.resize(rh.payload_bytes);
    racy_copy(out.payload.data(), d.m.at(d.pos) + sizeof rh, rh.payload_bytes);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (d.h().tail_pos.load(std::memory_order_relaxed) > d.pos) {
      d.on_lapped();  // overwritten while we copied: the copy may be torn, so it is dropped
      continue;
    }
    d.deliver(rh, out.header);
    return (out.header.flags & frame_flag::end_of_stream) != 0 ? ReadStatus::end_of_stream : ReadStatus::frame;
  }
  return ReadStatus::empty;
}

WaitStatus RingReader::read(Frame& out, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    switch (try_read(out)) {
      case ReadStatus::frame: return WaitStatus::ready;
      case ReadStatus::end_of_stream: return WaitStatus::end_of_stream;
      case ReadStatus::empty: break;
    }
    const auto now = Clock::now();
    if (now >= deadline) return writer_alive() ? WaitStatus::timeout : WaitStatus::writer_gone;
    const auto st = wait(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
    if (st != WaitStatus::ready) {
      switch (try_read(out)) {
        case ReadStatus::frame: return WaitStatus::ready;
        case ReadStatus::end_of_stream: return WaitStatus::end_of_stream;
        case ReadStatus::empty: return st;
      }
    }
  }
}

std::optional<RingReader::View> RingReader::peek() {
  auto& d = *impl_;
  RecordHeader rh;
  if (!d.next_header(rh)) return std::nullopt;
  View v;
  v.header = header_of(rh);
  v.header.lost_before = (d.expected_seq != 0 && rh.seq > d.expected_seq) ? rh.seq - d.expected_seq : 0;
  if (v.header.lost_before != 0) v.header.flags |= frame_flag::discontinuity;
  v.payload = {d.m.at(d.pos) + sizeof rh, rh.payload_bytes};
  return v;
}

bool RingReader::still_valid(const View& view) const noexcept {
  std::atomic_thread_fence(std::memory_order_acquire);
  return impl_->h().tail_pos.load(std::memory_order_relaxed) <= view.header.pos;
}

void RingReader::consume(const View& view) {
  auto& d = *impl_;
  if (view.header.pos != d.pos) throw FifoError(FifoErrc::invalid_argument, "view is not the next frame");
  RecordHeader rh;
  racy_copy(&rh, d.m.at(d.pos), sizeof rh);
  if (!still_valid(view) || rh.pos != view.header.pos) {
    d.on_lapped();
    return;
  }
  FrameHeader ignored;
  d.deliver(rh, ignored);
}

bool RingReader::arm() {
  auto& d = *impl_;
  d.my_slot().waiting.store(1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return !d.data_available();
}

void RingReader::drain() noexcept { impl_->wake.drain(); }
int RingReader::wake_fd() const noexcept { return impl_->wake.fd(); }

RingReader::Impl::Woken RingReader::Impl::sleep(std::chrono::milliseconds slice) {
  pollfd p[2] = {{wake.fd(), POLLIN, 0}, {options.interrupt ? options.interrupt->fd() : -1, POLLIN, 0}};
  int n = 0;
  do {
    n = ::poll(p, 2, static_cast<int>(slice.count()));
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw_system_error("poll", errno);
  Woken w;
  w.doorbell = (p[0].revents & POLLIN) != 0;
  w.interrupt = (p[1].revents & POLLIN) != 0;
  if (w.doorbell) wake.drain();
  if (w.interrupt) options.interrupt->take();
  // Awake now: a keyframe reader's flag may still be set (the writer leaves it for other frames); clearing it
  // spares a pointless ring at the next keyframe. arm() sets it again, fenced, before the next sleep.
  my_slot().waiting.store(0, std::memory_order_relaxed);
  return w;
}

WaitStatus RingReader::wait(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (d.options.interrupt && d.options.interrupt->take())
      return d.data_available() ? WaitStatus::ready : writer_alive() ? WaitStatus::timeout : WaitStatus::writer_gone;
    if (!arm()) return WaitStatus::ready;
    const auto now = Clock::now();
    if (now >= deadline) return writer_alive() ? WaitStatus::timeout : WaitStatus::writer_gone;
    // Rounded up: a slice that ends a hair before the deadline would only cost another turn.
    const auto slice = std::min(std::chrono::ceil<std::chrono::milliseconds>(deadline - now), d.sleep_slice());
    const auto woken = d.sleep(slice);
    const bool woke = woken.doorbell;
    if (d.data_available()) return WaitStatus::ready;
    if (woken.interrupt) return writer_alive() ? WaitStatus::timeout : WaitStatus::writer_gone;
    if (!woke && !writer_alive() && object_replaced(d.name, d.object.inode)) {
      // The ring was recreated under the same name (it was corrupt, or resized): follow it. A new object that
      // is gone again or not yet initialised is retried on the next slice; anything else (no free slot, no
      // doorbell) is the caller's to know, and the reader stays on the old object meanwhile.
      std::optional<AttachedObject> fresh;
      try {
        fresh = attach_as_reader(d.name);
      } catch (const FifoError& e) {
        if (e.code() != FifoErrc::not_found && e.code() != FifoErrc::corrupt_object) throw;
      }
      if (fresh) {
        d.attach_object(std::move(*fresh));
        d.position_at_start(StartAt::oldest_keyframe);
        d.expected_seq = 0;
        d.pending_discontinuity = true;  // a new ring: its sequence numbers start over
      }
    }
  }
}

bool RingReader::writer_alive() const { return byte_locked(impl_->object.fd.get(), layout::kWriterLockByte); }
const StreamInfo& RingReader::stream_info() const noexcept { return impl_->info; }

const StreamInfo& RingReader::refresh_stream_info() {
  auto& d = *impl_;
  if (auto loaded = load_stream_info(d.m.info, d.h().info_generation.load(std::memory_order_acquire)))
    d.info = std::move(*loaded);
  return d.info;
}

std::optional<KeyframeInfo> RingReader::newest_keyframe() const { return keyframe_index::newest(impl_->m); }
std::optional<KeyframeInfo> RingReader::oldest_keyframe() const { return keyframe_index::oldest(impl_->m); }
std::optional<KeyframeInfo> RingReader::keyframe_at_or_before(int64_t mono_ns) const {
  return keyframe_index::at_or_before(impl_->m, mono_ns);
}

bool RingReader::seek_to(const KeyframeInfo& kf) {
  auto& d = *impl_;
  if (kf.pos < d.h().tail_pos.load(std::memory_order_acquire) ||
      kf.pos >= d.h().write_pos.load(std::memory_order_acquire))
    return false;
  d.pos = kf.pos;
  d.need_keyframe = true;
  d.expected_seq = kf.seq;
  d.my_slot().read_pos.store(d.pos, std::memory_order_release);
  return true;
}

std::optional<FrameHeader> RingReader::newest_frame_header() const {
  auto& d = *impl_;
  for (int attempt = 0; attempt < 4; ++attempt) {
    const uint64_t w = d.h().write_pos.load(std::memory_order_acquire);
    const uint64_t p = d.h().last_frame_pos.load(std::memory_order_acquire);
    if (w == d.h().tail_pos.load(std::memory_order_acquire) || p >= w) return std::nullopt;
    RecordHeader rh;
    racy_copy(&rh, d.m.at(p), sizeof rh);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (d.h().tail_pos.load(std::memory_order_relaxed) > p || rh.pos != p) continue;
    return header_of(rh);
  }
  return std::nullopt;
}

RingStatus RingReader::status() const { return describe_ring(impl_->name, impl_->object); }

RingStatus RingReader::inspect(const std::string& name) {
  auto object = attach_as_reader(name);
  return describe_ring(name, object);
}

uint64_t RingReader::frames_lost() const noexcept { return impl_->frames_lost; }
uint64_t RingReader::frames_read() const noexcept { return impl_->frames_read; }
uint32_t RingReader::slot() const noexcept { return impl_->slot; }
const std::string& RingReader::name() const noexcept { return impl_->name; }

}  // namespace zc::fifo

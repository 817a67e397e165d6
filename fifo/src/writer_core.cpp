#include "writer_core.h"

#include "racy_copy.h"
#include "stream_info_slots.h"

#include <zc/fifo/error.h>

#include <unistd.h>

#include <cstring>
#include <optional>

namespace zc::fifo {

using layout::RecordHeader;

void WriterCore::attach(const std::string& stream, AttachedObject object, bool took_over) {
  stream_ = stream;
  object_ = std::move(object);
  map_ = object_.map;
  took_over_ = took_over;
  auto* h = map_.header;
  // A frame may use at most a quarter of the data area, so that a ring always holds several frames.
  max_frame_bytes_ = static_cast<size_t>(h->data_bytes / 4 - sizeof(RecordHeader));
  if (max_frame_bytes_ > UINT32_MAX - 128) max_frame_bytes_ = UINT32_MAX - 128;
  for (uint32_t i = 0; i < h->reader_slots; ++i) wake_paths_.push_back(wake_fifo_path(stream, i));
  if (took_over) recover_after_takeover();
  pos_ = h->write_pos.load(std::memory_order_relaxed);
  tail_ = h->tail_pos.load(std::memory_order_relaxed);
  index_next_ = h->index_claim.load(std::memory_order_relaxed);
  h->writer_pid.store(static_cast<uint32_t>(::getpid()), std::memory_order_relaxed);
  h->writer_start_mono_ns.store(mono_now_ns(), std::memory_order_relaxed);
  h->writer_sessions.fetch_add(1, std::memory_order_relaxed);
  pending_discontinuity_ = took_over;
  ring_every_slot_once_ = took_over;
}

// The previous writer died somewhere inside reserve/commit or an index update. Everything it published is
// intact by construction; what it did not publish is ignored. Three things can be half-done:
//  * next_seq and last_frame_pos are stored before write_pos publishes the frame, so they may describe a frame
//    that never appeared: both are recomputed from the newest published record, or readers would count a frame
//    as lost that was never written;
//  * the index entry between index_claim and index_head may be torn;
//  * the newest keyframe may be published but not yet indexed, which would hide it from pre-roll lookups.
// If the record chain itself does not add up (memory was scribbled on), the history is dropped, not trusted.
void WriterCore::recover_after_takeover() {
  auto* h = map_.header;
  h->takeover_count.fetch_add(1, std::memory_order_relaxed);
  const uint64_t w = h->write_pos.load(std::memory_order_relaxed);
  uint64_t t = h->tail_pos.load(std::memory_order_relaxed);
  std::optional<RecordHeader> newest_frame, newest_indexed;
  for (uint64_t p = t; p < w;) {
    RecordHeader rh;
    std::memcpy(&rh, map_.at(p), sizeof rh);
    const uint64_t off = p & map_.data_mask;
    if (rh.pos != p || rh.record_bytes < sizeof rh || rh.record_bytes % layout::kRecordAlign != 0 ||
        off + rh.record_bytes > h->data_bytes || p + rh.record_bytes > w) {
      t = w;
      h->tail_pos.store(t, std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_release);
      newest_frame.reset();
      newest_indexed.reset();
      break;
    }
    if ((rh.flags & layout::kRecordPadding) == 0) {
      newest_frame = rh;
      if ((rh.flags & layout::kRecordIndexed) != 0) newest_indexed = rh;
    }
    p += rh.record_bytes;
  }
  if (newest_frame) {
    h->next_seq.store(newest_frame->seq + 1, std::memory_order_relaxed);
    h->last_frame_pos.store(newest_frame->pos, std::memory_order_relaxed);
  }

  const uint64_t claim = h->index_claim.load(std::memory_order_relaxed);
  const uint64_t head = h->index_head.load(std::memory_order_relaxed);
  if (claim != head) {
    // Entry `head` may be torn. Overwrite it with a copy of its predecessor so the index stays sorted; a
    // duplicate entry is harmless to every lookup.
    auto& e = map_.index[head & map_.index_mask];
    const auto& prev = map_.index[(head - 1) & map_.index_mask];
    const bool has_prev = head > 0;
    e.pos.store(has_prev ? prev.pos.load() : 0, std::memory_order_relaxed);
    e.seq.store(has_prev ? prev.seq.load() : 0, std::memory_order_relaxed);
    e.mono_ns.store(has_prev ? prev.mono_ns.load() : 0, std::memory_order_relaxed);
    e.wall_ns.store(has_prev ? prev.wall_ns.load() : 0, std::memory_order_relaxed);
    e.pts.store(has_prev ? prev.pts.load() : 0, std::memory_order_relaxed);
    e.track.store(has_prev ? prev.track.load() : 0, std::memory_order_relaxed);
    e.info_generation.store(has_prev ? prev.info_generation.load() : 0, std::memory_order_relaxed);
    h->index_head.store(claim, std::memory_order_release);
  }
  index_next_ = claim;
  if (newest_indexed) {
    const uint64_t n = h->index_head.load(std::memory_order_relaxed);
    const bool missing = n == 0 || map_.index[(n - 1) & map_.index_mask].pos.load(std::memory_order_relaxed) <
                                       newest_indexed->pos;
    if (missing) add_to_index(newest_indexed->pos, *newest_indexed);
  }
}

void WriterCore::set_stream_info(const StreamInfo& info) {
  validate_stream_info(info);
  auto* h = map_.header;
  const bool changed = !info_set_ || info.tracks != info_.tracks;
  const uint64_t generation = h->info_generation.load(std::memory_order_relaxed) + 1;
  store_stream_info(map_.info, generation, info);
  h->info_generation.store(generation, std::memory_order_release);
  info_ = info;
  info_.generation = generation;
  info_set_ = true;
  pending_params_changed_ = pending_params_changed_ || changed;
  index_all_tracks_ = info.first_of(MediaKind::video) == nullptr;
}

bool WriterCore::is_indexed_track(uint32_t track) const noexcept {
  if (index_all_tracks_) return true;
  const auto* t = info_.find(track);
  return t != nullptr && t->kind == MediaKind::video;
}

void WriterCore::evict_until(uint64_t min_tail) {
  uint64_t t = tail_;
  while (t < min_tail) {
    if (t >= pos_) {
      t = pos_;
      break;
    }
    RecordHeader rh;
    std::memcpy(&rh, map_.at(t), sizeof rh);
    if (rh.pos != t || rh.record_bytes < sizeof rh || rh.record_bytes % layout::kRecordAlign != 0 ||
        t + rh.record_bytes > pos_) {
      t = pos_;  // the chain was scribbled on by someone: drop what is left rather than follow garbage
      break;
    }
    t += rh.record_bytes;
  }
  if (t != tail_) {
    tail_ = t;
    map_.header->tail_pos.store(t, std::memory_order_relaxed);
    // Readers that copy bytes written after this fence will see the new tail when they re-check.
    std::atomic_thread_fence(std::memory_order_release);
  }
}

void WriterCore::make_room(uint64_t target) {
  const uint64_t capacity = map_.header->data_bytes;
  if (target <= tail_ + capacity) return;
  const uint64_t min_tail = target - capacity;
  if (!room_policy_) {
    evict_until(min_tail);
    return;
  }
  const uint64_t t = room_policy_(min_tail);
  if (t != tail_) {
    tail_ = t;
    map_.header->tail_pos.store(t, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
  }
}

std::span<std::byte> WriterCore::reserve(const FrameMeta& meta, size_t bytes) {
  if (reserving_) throw FifoError(FifoErrc::invalid_argument, "a reserved frame is still open");
  if (!info_set_) throw FifoError(FifoErrc::invalid_argument, "set_stream_info() must precede the first frame");
  if (info_.find(meta.track) == nullptr)
    throw FifoError(FifoErrc::invalid_argument, "frame for unknown track " + std::to_string(meta.track));
  if (bytes > max_frame_bytes_)
    throw FifoError(FifoErrc::frame_too_large, "frame of " + std::to_string(bytes) + " bytes exceeds the limit of " +
                                                   std::to_string(max_frame_bytes_) + " bytes for stream '" +
                                                   stream_ + "' (a quarter of its ring's data area: the ring must be larger)");
  const uint64_t capacity = map_.header->data_bytes;
  const uint64_t need = layout::align_up(sizeof(RecordHeader) + bytes, layout::kRecordAlign);
  const uint64_t off = pos_ & map_.data_mask;
  if (off + need > capacity) {
    // Records never wrap: fill the rest of the data area with a padding record and start again at offset 0.
    const uint64_t pad = capacity - off;
    make_room(pos_ + pad);
    RecordHeader rh{};
    rh.record_bytes = static_cast<uint32_t>(pad);
    rh.pos = pos_;
    rh.flags = layout::kRecordPadding;
    racy_store(map_.at(pos_), &rh, sizeof rh);
    pos_ += pad;
    map_.header->write_pos.store(pos_, std::memory_order_release);
  }
  make_room(pos_ + need);
  reserving_ = true;
  reserved_pos_ = pos_;
  reserved_record_bytes_ = static_cast<uint32_t>(need);
  reserved_payload_ = static_cast<uint32_t>(bytes);
  reserved_meta_ = meta;
  return {map_.at(pos_) + sizeof(RecordHeader), bytes};
}

void WriterCore::commit() {
  if (!reserving_) throw FifoError(FifoErrc::invalid_argument, "no reserved frame to commit");
  auto* h = map_.header;
  RecordHeader rh{};
  rh.record_bytes = reserved_record_bytes_;
  rh.payload_bytes = reserved_payload_;
  rh.pos = reserved_pos_;
  rh.seq = h->next_seq.load(std::memory_order_relaxed);
  rh.pts = reserved_meta_.pts;
  rh.dts = reserved_meta_.dts;
  rh.wall_ns = reserved_meta_.wall_ns != 0 ? reserved_meta_.wall_ns : wall_now_ns();
  rh.mono_ns = reserved_meta_.mono_ns != 0 ? reserved_meta_.mono_ns : mono_now_ns();
  rh.track = static_cast<uint16_t>(reserved_meta_.track);
  rh.flags = static_cast<uint16_t>(reserved_meta_.flags & layout::kFrameFlagsMask);
  if (pending_params_changed_) rh.flags |= frame_flag::params_changed;
  if (pending_discontinuity_) rh.flags |= frame_flag::discontinuity;
  const bool indexed = (rh.flags & frame_flag::keyframe) != 0 && is_indexed_track(reserved_meta_.track);
  if (indexed) rh.flags |= layout::kRecordIndexed;
  rh.info_generation = static_cast<uint32_t>(info_.generation);
  racy_store(map_.at(reserved_pos_), &rh, sizeof rh);

  pos_ = reserved_pos_ + reserved_record_bytes_;
  reserving_ = false;
  pending_params_changed_ = false;
  pending_discontinuity_ = false;
  h->next_seq.store(rh.seq + 1, std::memory_order_relaxed);
  h->last_frame_pos.store(reserved_pos_, std::memory_order_relaxed);
  h->frames_written.fetch_add(1, std::memory_order_relaxed);
  h->payload_bytes_written.fetch_add(rh.payload_bytes, std::memory_order_relaxed);
  h->write_pos.store(pos_, std::memory_order_release);
  if (indexed) add_to_index(reserved_pos_, rh);
  ring_readers(indexed || (rh.flags & frame_flag::end_of_stream) != 0);
}

void WriterCore::drop_frame(size_t bytes) noexcept {
  auto* h = map_.header;
  h->frames_dropped.fetch_add(1, std::memory_order_relaxed);
  if (bytes > max_frame_bytes_) h->oversized_frames.fetch_add(1, std::memory_order_relaxed);
  pending_discontinuity_ = true;
}

void WriterCore::add_to_index(uint64_t pos, const RecordHeader& rh) {
  auto* h = map_.header;
  const uint64_t i = index_next_++;
  h->index_claim.store(i + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  auto& e = map_.index[i & map_.index_mask];
  e.pos.store(pos, std::memory_order_relaxed);
  e.seq.store(rh.seq, std::memory_order_relaxed);
  e.mono_ns.store(rh.mono_ns, std::memory_order_relaxed);
  e.wall_ns.store(rh.wall_ns, std::memory_order_relaxed);
  e.pts.store(rh.pts, std::memory_order_relaxed);
  e.track.store(rh.track, std::memory_order_relaxed);
  e.info_generation.store(rh.info_generation, std::memory_order_relaxed);
  h->index_head.store(i + 1, std::memory_order_release);
}

void WriterCore::ring_readers(bool keyframe_or_end) noexcept {
  // Pairs with the fence in a reader's arm(): either the reader sees the new write_pos, or we see waiting == 1.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const uint32_t n = map_.header->reader_slots;
  for (uint32_t i = 0; i < n; ++i) {
    auto& slot = map_.slots[i];
    // After a takeover every slot is rung once: the dead writer may have cleared a waiting flag and died before
    // ringing, and that reader would otherwise sleep until its own timeout.
    if (!ring_every_slot_once_) {
      if (slot.waiting.load(std::memory_order_relaxed) == 0) continue;
      // A keyframe-only sleeper stays asleep, its flag set, until a frame it asked for: it bounds its sleep
      // itself (layout.h, "Wakeup policy"). wake_on sits in the cache line `waiting` just brought in.
      if (!keyframe_or_end &&
          slot.wake_on.load(std::memory_order_relaxed) == static_cast<uint32_t>(layout::WakeOn::keyframe))
        continue;
      if (slot.waiting.exchange(0, std::memory_order_acq_rel) == 0) continue;
    } else {
      slot.waiting.store(0, std::memory_order_relaxed);
    }
    wake_[i].ring(wake_paths_[i], slot.epoch.load(std::memory_order_acquire));
  }
  ring_every_slot_once_ = false;
}

bool WriterCore::has_every_frame_reader() {
  const uint32_t n = map_.header->reader_slots;
  if (free_at_epoch_.size() != n) free_at_epoch_.assign(n, -1);
  for (uint32_t i = 0; i < n; ++i) {
    auto& slot = map_.slots[i];
    // The epoch first: a reader stores its pid and wake_on before it bumps the epoch (release).
    const int64_t epoch = slot.epoch.load(std::memory_order_acquire);
    if (slot.pid.load(std::memory_order_relaxed) == 0) continue;  // never attached
    if (slot.wake_on.load(std::memory_order_relaxed) == static_cast<uint32_t>(layout::WakeOn::keyframe)) continue;
    if (free_at_epoch_[i] == epoch) continue;  // its reader left, and no one attached since
    // Only a slot whose last reader woke on every frame costs a system call, and only until it is found free.
    if (byte_locked(object_.fd.get(), layout::reader_lock_byte(i))) return true;
    free_at_epoch_[i] = epoch;
  }
  return false;
}

}  // namespace zc::fifo

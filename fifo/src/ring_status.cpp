#include "ring_status.h"

#include "keyframe_index.h"
#include "racy_copy.h"
#include "source_block.h"
#include "stream_info_slots.h"

namespace zc::fifo {
namespace {

// Header of the record at `pos` if it is an intact frame record.
std::optional<layout::RecordHeader> intact_header(const RingMap& m, uint64_t pos) {
  layout::RecordHeader rh;
  racy_copy(&rh, m.at(pos), sizeof rh);
  std::atomic_thread_fence(std::memory_order_acquire);
  if (m.header->tail_pos.load(std::memory_order_relaxed) > pos || rh.pos != pos) return std::nullopt;
  return rh;
}

}  // namespace

RingStatus describe_ring(const std::string& name, const AttachedObject& object) {
  const RingMap& m = object.map;
  const auto& h = *m.header;
  RingStatus s;
  s.name = name;
  s.kind = h.kind;
  s.object_bytes = h.object_bytes;
  s.data_bytes = h.data_bytes;
  s.index_entries = h.index_entries;
  s.reader_slots = h.reader_slots;
  s.write_pos = h.write_pos.load(std::memory_order_acquire);
  s.tail_pos = h.tail_pos.load(std::memory_order_acquire);
  s.next_seq = h.next_seq.load(std::memory_order_acquire);
  s.frames_written = h.frames_written.load(std::memory_order_relaxed);
  s.payload_bytes_written = h.payload_bytes_written.load(std::memory_order_relaxed);
  s.writer_pid = h.writer_pid.load(std::memory_order_relaxed);
  s.takeover_count = h.takeover_count.load(std::memory_order_relaxed);
  s.frames_dropped = h.frames_dropped.load(std::memory_order_relaxed);
  s.oversized_frames = h.oversized_frames.load(std::memory_order_relaxed);
  s.writer_start_mono_ns = h.writer_start_mono_ns.load(std::memory_order_relaxed);
  s.writer_alive = byte_locked(object.fd.get(), layout::kWriterLockByte);
  for (uint32_t i = 0; i < h.reader_slots; ++i)
    if (byte_locked(object.fd.get(), layout::reader_lock_byte(i))) ++s.readers_attached;
  s.keyframes_held = keyframe_index::count_intact(m);

  // The oldest frame: walk past padding from the tail (at most one padding record per lap).
  for (uint64_t p = s.tail_pos, steps = 0; p < s.write_pos && steps < 4; ++steps) {
    auto rh = intact_header(m, p);
    if (!rh) {
      p = h.tail_pos.load(std::memory_order_acquire);
      continue;
    }
    if ((rh->flags & layout::kRecordPadding) == 0) {
      s.frames_held = s.next_seq > rh->seq ? s.next_seq - rh->seq : 0;
      s.oldest_mono_ns = rh->mono_ns;
      s.oldest_wall_ns = rh->wall_ns;
      break;
    }
    p += rh->record_bytes;
  }
  const uint64_t last = h.last_frame_pos.load(std::memory_order_acquire);
  if (s.frames_held != 0 && last < s.write_pos)
    if (auto rh = intact_header(m, last)) {
      s.newest_mono_ns = rh->mono_ns;
      s.newest_wall_ns = rh->wall_ns;
    }
  if (auto info = load_stream_info(m.info, h.info_generation.load(std::memory_order_acquire))) s.info = *info;
  if (h.kind == static_cast<uint32_t>(layout::Kind::live_ring)) s.source = source_block::load(*m.source);
  return s;
}

}  // namespace zc::fifo

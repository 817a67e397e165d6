// The writer's half of the ring protocol (see layout.h), shared by the live ring (which evicts old records to
// make room) and the playback fifo (which waits for its reader instead).
#pragma once

#include "layout.h"
#include "shm_object.h"
#include "doorbell.h"

#include <zc/fifo/frame.h>

#include <array>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace zc::fifo {

class WriterCore {
 public:
  // Called with the lowest tail position that makes room for a record ending at `target`; must return a tail
  // position >= that once the room is free (or throw). Unset: the live-ring policy, evict old records.
  using RoomPolicy = std::function<uint64_t(uint64_t min_tail)>;

  void attach(const std::string& stream, AttachedObject object, bool took_over);
  void set_room_policy(RoomPolicy policy) { room_policy_ = std::move(policy); }

  void set_stream_info(const StreamInfo& info);
  const StreamInfo& stream_info() const noexcept { return info_; }

  std::span<std::byte> reserve(const FrameMeta& meta, size_t bytes);
  void commit();
  void abandon() noexcept { reserving_ = false; }
  // Counts a frame of `bytes` that the caller drops instead of writing; the next committed frame is flagged as a
  // discontinuity.
  void drop_frame(size_t bytes) noexcept;

  size_t max_frame_bytes() const noexcept { return max_frame_bytes_; }
  uint64_t data_bytes() const noexcept { return map_.header->data_bytes; }
  bool took_over() const noexcept { return took_over_; }
  const RingMap& map() const noexcept { return map_; }
  int fd() const noexcept { return object_.fd.get(); }
  // Rings every sleeping reader that asked for this frame: `keyframe_or_end` (an indexed keyframe or an
  // end-of-stream mark) rings keyframe-only readers too; every-frame readers are rung either way.
  void ring_readers(bool keyframe_or_end = true) noexcept;
  // True while a live reader that wakes on every frame is attached (RingWriter::has_every_frame_reader).
  bool has_every_frame_reader();

  // The writer's own next position (== write_pos except between reserve and commit).
  uint64_t position() const noexcept { return pos_; }

 private:
  void recover_after_takeover();
  void make_room(uint64_t target);
  void evict_until(uint64_t min_tail);
  bool is_indexed_track(uint32_t track) const noexcept;
  void add_to_index(uint64_t pos, const layout::RecordHeader& rh);

  std::string stream_;
  AttachedObject object_;
  RingMap map_;
  bool took_over_ = false;
  RoomPolicy room_policy_;

  StreamInfo info_;
  bool info_set_ = false;
  bool pending_params_changed_ = false;
  bool pending_discontinuity_ = false;
  bool index_all_tracks_ = true;
  bool ring_every_slot_once_ = false;  // set by a takeover: see ring_readers()
  // Per reader slot: the slot's epoch when its lock was last found free (-1: not known free). A slot keeps its
  // last reader's pid and wake_on after that reader detached or died; only a new attach (an epoch bump) makes
  // it worth a lock check again.
  std::vector<int64_t> free_at_epoch_;

  uint64_t pos_ = 0;
  uint64_t tail_ = 0;
  uint64_t index_next_ = 0;
  size_t max_frame_bytes_ = 0;

  bool reserving_ = false;
  uint64_t reserved_pos_ = 0;
  uint32_t reserved_record_bytes_ = 0;
  uint32_t reserved_payload_ = 0;
  FrameMeta reserved_meta_;

  std::vector<std::string> wake_paths_;
  std::array<DoorbellRinger, layout::kMaxReaderSlots> wake_;
};

}  // namespace zc::fifo

// Finding, validating, creating and mapping the shared-memory object of a stream. Nothing from the object is
// used before validate_header() has checked it against the real object size.
#pragma once

#include "layout.h"
#include "mapping.h"

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace zc::fifo {

std::string shm_object_name(const std::string& stream);              // "/zcrec.NAME"
std::string wake_fifo_path(const std::string& stream, uint32_t slot);  // "/dev/shm/zcrec.NAME.wake.SLOT"
std::string writer_wake_fifo_path(const std::string& stream);         // "/dev/shm/zcrec.NAME.wake.w"
void require_valid_name(const std::string& stream);

enum class HeaderVerdict {
  valid,
  uninitialized,  // all-zero or magic not yet published: a creator died before finishing (ours to recreate)
  ours_invalid,   // our magic, but wrong version, truncated or inconsistent geometry (ours to recreate)
  foreign,        // not a zcrec ring: never touched
};

// Checks every geometry field of a header that lives in a mapping of `object_bytes` bytes.
HeaderVerdict validate_header(const std::byte* base, uint64_t object_bytes, std::string* why);

// Raw pointers into a validated mapping; valid as long as the Mapping it was made from.
struct RingMap {
  layout::Header* header = nullptr;
  layout::ReaderSlot* slots = nullptr;
  layout::KeyframeSlot* index = nullptr;
  layout::InfoSlot* info = nullptr;
  layout::SourceBlock* source = nullptr;
  std::byte* data = nullptr;
  uint64_t data_mask = 0;
  uint64_t index_mask = 0;

  static RingMap of(std::byte* base);
  const std::byte* at(uint64_t pos) const noexcept { return data + (pos & data_mask); }
  std::byte* at(uint64_t pos) noexcept { return data + (pos & data_mask); }
};

struct AttachedObject {
  UniqueFd fd;
  Mapping mapping;
  RingMap map;
  ino_t inode = 0;
};

struct CreateRequest {
  layout::Kind kind = layout::Kind::live_ring;
  uint64_t data_bytes = 0;      // power of two
  uint32_t index_entries = 0;   // power of two
  uint32_t reader_slots = 0;
  bool group_access = false;
  bool force_capacity = false;  // recreate an existing healthy ring whose geometry differs
};

struct WriterAttach {
  AttachedObject object;
  bool took_over = false;  // continued a ring whose writer had died
};

// Creates the object or takes over an existing one, holding the writer lock on return.
WriterAttach attach_as_writer(const std::string& stream, const CreateRequest& request);

// Opens an existing, validated object of either kind for reading (no lock taken). Throws not_found if absent.
AttachedObject attach_as_reader(const std::string& stream);

// OFD byte locks: held by this open file description until it is closed (or the process dies).
bool try_lock_byte(int fd, off_t byte);
void unlock_byte(int fd, off_t byte) noexcept;
bool byte_locked(int fd, off_t byte);  // by anyone else

// True when the name now refers to a different object than `inode` (the ring was recreated).
bool object_replaced(const std::string& stream, ino_t inode);

int64_t mono_now_ns() noexcept;
int64_t wall_now_ns() noexcept;

}  // namespace zc::fifo

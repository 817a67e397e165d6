#include "shm_object.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ofd_lock.h>
#include <zc/fifo/frame.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

namespace zc::fifo {
namespace {

using layout::Header;

AttachedObject map_object(UniqueFd fd, uint64_t bytes, ino_t inode) {
  void* addr = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (addr == MAP_FAILED) throw_system_error("mmap", errno);
  AttachedObject obj;
  obj.fd = std::move(fd);
  obj.mapping = Mapping(addr, bytes);
  obj.inode = inode;
  return obj;
}

// The writer fills its page tables at attach time, once the header is validated: otherwise its first lap through
// the ring takes a page fault every 4 KiB on the commit path (it showed as the slow tail of the wakeup latency).
// Readers fault lazily: a recorder attaching to a 256 MiB ring to read a few seconds of it would otherwise pay
// for all of it. Best effort: a kernel without MADV_POPULATE_WRITE just faults lazily.
void prefault_for_writing([[maybe_unused]] const Mapping& m) noexcept {
#ifdef MADV_POPULATE_WRITE  // Linux 5.14, glibc 2.35
  [[maybe_unused]] int rc = ::madvise(m.data(), m.size(), MADV_POPULATE_WRITE);
#endif
}

// Gives every page of the object its memory now. A tmpfs too small for the ring (a container's 64 MB /dev/shm)
// accepts any ftruncate() and then kills the writer with SIGBUS at the first page it cannot allocate; with the
// pages allocated up front that becomes a clear error at open, and no later write can fault.
void reserve_pages(int fd, const std::string& shm_name, uint64_t bytes) {
  int err = 0;
  do {
    err = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes));  // tmpfs gives up on a pending signal
  } while (err == EINTR);
  if (err == 0) return;
  if (err == ENOSPC) {
    struct statvfs vfs {};
    std::string room;
    if (::fstatvfs(fd, &vfs) == 0)
      room = " (" + std::to_string(uint64_t{vfs.f_bavail} * vfs.f_frsize / (1024 * 1024)) + " MiB free)";
    throw FifoError(FifoErrc::no_space, shm_name + " needs " + std::to_string(bytes / (1024 * 1024)) +
                                            " MiB but the shared-memory filesystem /dev/shm cannot hold it" + room +
                                            "; free or enlarge /dev/shm, or use a smaller ring (an existing ring of this "
                                            "size must be removed first)");
  }
  throw_system_error("fallocate(" + shm_name + ", " + std::to_string(bytes) + " bytes)", err);
}

void initialise(std::byte* base, const CreateRequest& req, const layout::Geometry& g) {
  auto* h = reinterpret_cast<Header*>(base);
  h->layout_version = layout::kLayoutVersion;
  h->kind = static_cast<uint32_t>(req.kind);
  h->object_bytes = g.object_bytes;
  h->data_offset = g.data_offset;
  h->data_bytes = req.data_bytes;
  h->index_offset = g.index_offset;
  h->index_entries = req.index_entries;
  h->reader_slots = req.reader_slots;
  h->info_offset = g.info_offset;
  h->readers_offset = g.readers_offset;
  h->created_wall_ns = wall_now_ns();
  h->creator_uid = static_cast<uint32_t>(::geteuid());
  // Positions start at one data area in, so that "tail_pos > pos" tests never underflow around zero.
  h->write_pos.store(req.data_bytes, std::memory_order_relaxed);
  h->tail_pos.store(req.data_bytes, std::memory_order_relaxed);
  h->next_seq.store(1, std::memory_order_relaxed);
  h->magic.store(layout::kMagic, std::memory_order_release);
}

bool all_zero(const std::byte* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != std::byte{0}) return false;
  return true;
}

std::string describe_size(uint64_t bytes) { return std::to_string(bytes) + " bytes"; }

struct StatResult {
  uint64_t size;
  uid_t uid;
  ino_t inode;
};

StatResult stat_fd(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_system_error("fstat", errno);
  return {static_cast<uint64_t>(st.st_size), st.st_uid, st.st_ino};
}

bool name_refers_to(const std::string& shm_name, ino_t inode) {
  UniqueFd fd(::shm_open(shm_name.c_str(), O_RDONLY | O_CLOEXEC, 0));
  if (!fd) return false;
  struct stat st {};
  return ::fstat(fd.get(), &st) == 0 && st.st_ino == inode;
}

}  // namespace

std::string shm_object_name(const std::string& stream) { return "/zcrec." + stream; }
std::string wake_fifo_path(const std::string& stream, uint32_t slot) {
  return "/dev/shm/zcrec." + stream + ".wake." + std::to_string(slot);
}
std::string writer_wake_fifo_path(const std::string& stream) { return "/dev/shm/zcrec." + stream + ".wake.w"; }

void require_valid_name(const std::string& stream) {
  if (auto why = check_stream_name(stream)) throw FifoError(FifoErrc::invalid_name, *why);
}

int64_t mono_now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}
int64_t wall_now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

HeaderVerdict validate_header(const std::byte* base, uint64_t object_bytes, std::string* why) {
  auto fail = [&](HeaderVerdict v, std::string reason) {
    if (why) *why = std::move(reason);
    return v;
  };
  if (object_bytes < sizeof(uint64_t)) return fail(HeaderVerdict::uninitialized, "object is empty");
  // Acquire pairs with the creator's release store of the magic: geometry read below is the creator's final one.
  // (A plain copy let the compiler, and a weakly ordered CPU, read the geometry before the magic.)
  const uint64_t magic = reinterpret_cast<const Header*>(base)->magic.load(std::memory_order_acquire);
  if (magic == 0) {
    const size_t probe = object_bytes < layout::kHeaderBytes ? object_bytes : layout::kHeaderBytes;
    if (all_zero(base, probe)) return fail(HeaderVerdict::uninitialized, "header never initialised");
    return fail(HeaderVerdict::uninitialized, "header initialisation did not finish");
  }
  if (magic != layout::kMagic) return fail(HeaderVerdict::foreign, "not a zcrec ring (unknown magic)");
  if (object_bytes < layout::kHeaderBytes)
    return fail(HeaderVerdict::ours_invalid, "object is truncated to " + describe_size(object_bytes));
  const auto* h = reinterpret_cast<const Header*>(base);
  if (h->layout_version < layout::kOldestCompatibleVersion || h->layout_version > layout::kLayoutVersion)
    return fail(HeaderVerdict::ours_invalid, "layout version " + std::to_string(h->layout_version) +
                                                 ", this build reads versions " +
                                                 std::to_string(layout::kOldestCompatibleVersion) + " to " +
                                                 std::to_string(layout::kLayoutVersion));
  if (h->kind != static_cast<uint32_t>(layout::Kind::live_ring) &&
      h->kind != static_cast<uint32_t>(layout::Kind::playback_fifo))
    return fail(HeaderVerdict::ours_invalid, "unknown ring kind " + std::to_string(h->kind));
  if (h->object_bytes != object_bytes)
    return fail(HeaderVerdict::ours_invalid, "header says " + describe_size(h->object_bytes) +
                                                 " but the object has " + describe_size(object_bytes));
  if (!layout::is_pow2(h->data_bytes) || h->data_bytes < layout::kMinDataBytes ||
      h->data_bytes > layout::kMaxDataBytes)
    return fail(HeaderVerdict::ours_invalid, "bad data capacity " + std::to_string(h->data_bytes));
  if (!layout::is_pow2(h->index_entries) || h->index_entries < layout::kMinIndexEntries ||
      h->index_entries > layout::kMaxIndexEntries)
    return fail(HeaderVerdict::ours_invalid, "bad keyframe index size " + std::to_string(h->index_entries));
  if (h->reader_slots == 0 || h->reader_slots > layout::kMaxReaderSlots)
    return fail(HeaderVerdict::ours_invalid, "bad reader slot count " + std::to_string(h->reader_slots));
  const auto g = layout::compute_geometry(h->data_bytes, h->index_entries, h->reader_slots);
  if (h->readers_offset != g.readers_offset || h->index_offset != g.index_offset ||
      h->info_offset != g.info_offset || h->data_offset != g.data_offset || h->object_bytes != g.object_bytes)
    return fail(HeaderVerdict::ours_invalid, "region offsets disagree with the geometry");
  const uint64_t w = h->write_pos.load(std::memory_order_acquire);
  const uint64_t t = h->tail_pos.load(std::memory_order_acquire);
  if (t > w || w - t > h->data_bytes)
    return fail(HeaderVerdict::ours_invalid, "tail/write positions are inconsistent");
  // Records start 64-aligned; a writer continuing from an unaligned position would write records that every
  // reader rejects as malformed.
  if (w % layout::kRecordAlign != 0 || t % layout::kRecordAlign != 0)
    return fail(HeaderVerdict::ours_invalid, "tail/write positions are not record-aligned");
  return HeaderVerdict::valid;
}

RingMap RingMap::of(std::byte* base) {
  auto* h = reinterpret_cast<Header*>(base);
  RingMap m;
  m.header = h;
  m.slots = reinterpret_cast<layout::ReaderSlot*>(base + h->readers_offset);
  m.index = reinterpret_cast<layout::KeyframeSlot*>(base + h->index_offset);
  m.info = reinterpret_cast<layout::InfoSlot*>(base + h->info_offset);
  m.source = reinterpret_cast<layout::SourceBlock*>(base + layout::kSourceBlockOffset);
  m.data = base + h->data_offset;
  m.data_mask = h->data_bytes - 1;
  m.index_mask = h->index_entries - 1;
  return m;
}

bool try_lock_byte(int fd, off_t byte) {
  const int err = ofd::try_lock(fd, byte, 1);
  if (err == 0) return true;
  if (err == EAGAIN || err == EACCES) return false;
  throw_system_error("fcntl(F_OFD_SETLK)", err);
}

void unlock_byte(int fd, off_t byte) noexcept { ofd::unlock(fd, byte, 1); }

bool byte_locked(int fd, off_t byte) {
  const int held = ofd::probe(fd, byte, 1);
  if (held < 0) throw_system_error("fcntl(F_OFD_GETLK)", -held);
  return held == 1;
}

bool object_replaced(const std::string& stream, ino_t inode) {
  UniqueFd fd(::shm_open(shm_object_name(stream).c_str(), O_RDONLY | O_CLOEXEC, 0));
  if (!fd) return false;  // gone: nothing new to attach to yet
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return false;
  return st.st_ino != inode;
}

WriterAttach attach_as_writer(const std::string& stream, const CreateRequest& req) {
  require_valid_name(stream);
  const std::string shm_name = shm_object_name(stream);
  const mode_t mode = req.group_access ? 0660 : 0600;
  const auto geometry = layout::compute_geometry(req.data_bytes, req.index_entries, req.reader_slots);

  for (int attempt = 0; attempt < 8; ++attempt) {
    UniqueFd fd(::shm_open(shm_name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, mode));
    if (!fd) {
      if (errno == EACCES)
        throw FifoError(FifoErrc::wrong_owner, "stream '" + stream + "': " + shm_name +
                                                   " exists and is not accessible to this user");
      throw_system_error("shm_open(" + shm_name + ")", errno);
    }
    auto st = stat_fd(fd.get());
    if (st.uid != ::geteuid())
      throw FifoError(FifoErrc::wrong_owner, "stream '" + stream + "': " + shm_name + " belongs to uid " +
                                                 std::to_string(st.uid) + ", not to this user; refusing to use it");
    if (!try_lock_byte(fd.get(), layout::kWriterLockByte)) {
      std::string who;
      if (st.size >= layout::kHeaderBytes) {
        auto probe = map_object(std::move(fd), layout::kHeaderBytes, st.inode);
        if (validate_header(probe.mapping.data(), st.size, nullptr) == HeaderVerdict::valid)
          who = " (pid " +
                std::to_string(reinterpret_cast<Header*>(probe.mapping.data())->writer_pid.load()) + ")";
      }
      throw FifoError(FifoErrc::writer_busy, "stream '" + stream + "' already has a live writer" + who);
    }
    // Between our shm_open and our lock, another writer may have held the lock, found the object unusable and
    // unlinked it: a lock on an unlinked object would make us a second writer. And a creator may have sized and
    // initialised it meanwhile, so the size must be read again now that nobody else can change it.
    if (!name_refers_to(shm_name, st.inode)) continue;
    st = stat_fd(fd.get());

    if (st.size == 0) {
      if (::ftruncate(fd.get(), static_cast<off_t>(geometry.object_bytes)) != 0) {
        int err = errno;
        ::shm_unlink(shm_name.c_str());
        throw_system_error("ftruncate(" + shm_name + ", " + describe_size(geometry.object_bytes) + ")", err);
      }
      try {
        reserve_pages(fd.get(), shm_name, geometry.object_bytes);
      } catch (...) {
        ::shm_unlink(shm_name.c_str());  // an empty object is no use to anyone, and a reader would wait on it
        throw;
      }
      if (req.group_access) ::fchmod(fd.get(), mode);  // umask may have removed group bits
      auto obj = map_object(std::move(fd), geometry.object_bytes, st.inode);
      prefault_for_writing(obj.mapping);
      initialise(obj.mapping.data(), req, geometry);
      obj.map = RingMap::of(obj.mapping.data());
      return {std::move(obj), false};
    }

    // Something is there. Read at most the header before trusting anything about its size.
    std::string why;
    HeaderVerdict verdict;
    {
      const uint64_t probe_bytes = st.size < layout::kHeaderBytes ? st.size : layout::kHeaderBytes;
      auto probe = map_object(UniqueFd(::dup(fd.get())), probe_bytes, st.inode);
      verdict = validate_header(probe.mapping.data(), st.size, &why);
      if (verdict == HeaderVerdict::valid) {
        auto* h = reinterpret_cast<Header*>(probe.mapping.data());
        const bool same_geometry = h->data_bytes == req.data_bytes && h->index_entries == req.index_entries &&
                                   h->reader_slots == req.reader_slots;
        if (h->kind != static_cast<uint32_t>(req.kind)) {
          verdict = HeaderVerdict::ours_invalid;
          why = "it is a ring of another kind";
        } else if (!same_geometry && req.force_capacity) {
          verdict = HeaderVerdict::ours_invalid;
          why = "its capacity differs from the one requested";
        }
      }
    }
    if (verdict == HeaderVerdict::foreign)
      throw FifoError(FifoErrc::foreign_object, "stream '" + stream + "': " + shm_name + " exists but " + why +
                                                    "; remove it (zcrec rm " + stream + ") if it is not needed");
    if (verdict == HeaderVerdict::valid) {
      // The dead writer may have been of a version that left holes; filling them cannot disturb live readers.
      reserve_pages(fd.get(), shm_name, st.size);
      auto obj = map_object(std::move(fd), st.size, st.inode);
      prefault_for_writing(obj.mapping);
      obj.map = RingMap::of(obj.mapping.data());
      return {std::move(obj), true};
    }
    // Ours but unusable, and we hold the writer lock so no live writer needs it: replace it with a fresh
    // object under the same name. Readers still mapping the old one notice the new inode and re-attach.
    (void)why;
    ::shm_unlink(shm_name.c_str());
  }
  throw FifoError(FifoErrc::system, "stream '" + stream + "': could not create " + shm_name +
                                        " (another process keeps replacing it)");
}

AttachedObject attach_as_reader(const std::string& stream) {
  require_valid_name(stream);
  const std::string shm_name = shm_object_name(stream);
  UniqueFd fd(::shm_open(shm_name.c_str(), O_RDWR | O_CLOEXEC, 0));
  if (!fd) {
    if (errno == ENOENT) throw FifoError(FifoErrc::not_found, "stream '" + stream + "' does not exist");
    if (errno == EACCES)
      throw FifoError(FifoErrc::wrong_owner, "stream '" + stream + "': permission denied on " + shm_name);
    throw_system_error("shm_open(" + shm_name + ")", errno);
  }
  auto st = stat_fd(fd.get());
  if (st.size < layout::kHeaderBytes) {
    if (st.size == 0) throw FifoError(FifoErrc::not_found, "stream '" + stream + "' is being created");
    throw FifoError(FifoErrc::corrupt_object, "stream '" + stream + "': " + shm_name + " is truncated (" +
                                                  describe_size(st.size) + ")");
  }
  auto obj = map_object(std::move(fd), st.size, st.inode);
  std::string why;
  switch (validate_header(obj.mapping.data(), st.size, &why)) {
    case HeaderVerdict::valid:
      break;
    case HeaderVerdict::uninitialized:
      throw FifoError(FifoErrc::not_found, "stream '" + stream + "' is being created (" + why + ")");
    case HeaderVerdict::ours_invalid:
      throw FifoError(FifoErrc::corrupt_object, "stream '" + stream + "': " + shm_name + " is unusable: " + why);
    case HeaderVerdict::foreign:
      throw FifoError(FifoErrc::foreign_object, "stream '" + stream + "': " + shm_name + " is " + why);
  }
  obj.map = RingMap::of(obj.mapping.data());
  return obj;
}

}  // namespace zc::fifo

// Doorbells: a named FIFO per sleeper. The sleeper owns and drains its FIFO; wakers write one byte into it.
// Both sides open the FIFO O_RDWR|O_NONBLOCK (Linux-defined for FIFOs), so neither open() nor write() can block
// or raise SIGPIPE, whatever the other side does or however it dies.
#pragma once

#include <zc/fifo/unique_fd.h>

#include <cstdint>
#include <string>

namespace zc::fifo {

// The sleeping side.
class Doorbell {
 public:
  // Whose the FIFO at the path is:
  //  - sleeper: this owner's alone (a reader's, /dev/shm/zcrec.NAME.wake.SLOT). A leftover of a dead predecessor
  //    is replaced, and the FIFO is unlinked when the owner goes, unless the path names another sleeper's FIFO
  //    by then (a reader that moved to another slot leaves its old path to whoever took that slot).
  //  - object: the shared-memory object's, outliving the processes that sleep on it (the playback writer's,
  //    /dev/shm/zcrec.NAME.wake.w). An existing FIFO of ours is reopened rather than replaced, so that a peer
  //    that keeps ringing it reaches a restarted sleeper at once; only removing the object unlinks it.
  enum class Lifetime { sleeper, object };

  Doorbell() = default;
  // Creates or opens the FIFO (0600, or 0660 with group access) and drains rings meant for a predecessor.
  // Throws FifoError(system) when it cannot, or when the path is taken by something that is not our FIFO.
  Doorbell(std::string path, bool group_access, Lifetime lifetime);
  Doorbell(Doorbell&& o) noexcept;
  Doorbell& operator=(Doorbell&& o) noexcept;  // releases (see Lifetime) the FIFO held before
  Doorbell(const Doorbell&) = delete;
  Doorbell& operator=(const Doorbell&) = delete;
  ~Doorbell() { release(); }

  int fd() const noexcept { return fd_.get(); }
  void drain() const noexcept;
  // Waits until a ring arrives or `timeout_ms` passes (-1: forever). True if a ring arrived.
  bool wait(int timeout_ms) const;

 private:
  void release() noexcept;

  std::string path_;
  UniqueFd fd_;
  Lifetime lifetime_ = Lifetime::sleeper;
};

// The waking side: opens the FIFO at a path lazily and rings it.
class DoorbellRinger {
 public:
  // Rings the FIFO at `path`; `epoch` identifies the sleeper, and a change of epoch reopens the path.
  void ring(const std::string& path, uint32_t epoch) noexcept;
  void close() noexcept { fd_.reset(); }

 private:
  UniqueFd fd_;
  uint32_t epoch_ = 0;
  bool opened_ = false;
};

}  // namespace zc::fifo

// Doorbells: a named FIFO per sleeper. The sleeper owns and drains its FIFO; wakers write one byte into it.
// Both sides open the FIFO O_RDWR|O_NONBLOCK (Linux-defined for FIFOs), so neither open() nor write() can block
// or raise SIGPIPE, whatever the other side does or however it dies.
#pragma once

#include "unique_fd.h"

#include <cstdint>
#include <string>

namespace zc::fifo {

// The sleeping side: creates (replacing any leftover) the FIFO at `path` and owns it.
class WakeFifo {
 public:
  WakeFifo() = default;
  explicit WakeFifo(std::string path, bool group_access);
  WakeFifo(WakeFifo&&) noexcept = default;
  // Unlinks the FIFO this one owned (see ~WakeFifo) before taking over the other's.
  WakeFifo& operator=(WakeFifo&& o) noexcept;
  WakeFifo(const WakeFifo&) = delete;
  WakeFifo& operator=(const WakeFifo&) = delete;
  // Unlinks the FIFO unless its path now names another sleeper's FIFO (a reader that moved to another slot
  // leaves its old path to whoever took that slot).
  ~WakeFifo();

  int fd() const noexcept { return fd_.get(); }
  void drain() const noexcept;
  // Waits until readable or `timeout_ms` passes (-1: forever). Returns true if a wakeup arrived.
  bool wait(int timeout_ms) const;

 private:
  void release() noexcept;

  std::string path_;
  UniqueFd fd_;
};

// The waking side: opens the FIFO at a path lazily and rings it.
class WakeTarget {
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

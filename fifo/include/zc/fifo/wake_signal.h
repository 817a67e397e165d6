// A wakeup a process sends to one of its own ring readers: a trigger, a stop or an event that must be handled
// now, not at the reader's next keyframe (docs/concurrency.md, "Wakeup policy"). An eventfd: raise() is one
// write(2), so it is thread-safe and async-signal-safe, and a raise before the reader sleeps is not lost (the
// counter stays set until the reader takes it). Shared between the raiser and the reader (ReaderOptions::interrupt).
#pragma once

#include <zc/fifo/unique_fd.h>

namespace zc::fifo {

class WakeSignal {
 public:
  // Throws FifoError(system) when no eventfd can be made.
  WakeSignal();
  WakeSignal(const WakeSignal&) = delete;
  WakeSignal& operator=(const WakeSignal&) = delete;

  void raise() const noexcept;
  // True if it was raised since the last take(); clears it.
  bool take() const noexcept;
  // Readable while raised (for poll/epoll).
  int fd() const noexcept { return fd_.get(); }

 private:
  UniqueFd fd_;
};

}  // namespace zc::fifo

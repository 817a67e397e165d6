#include <zc/fifo/error.h>
#include <zc/fifo/wake_signal.h>

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace zc::fifo {

WakeSignal::WakeSignal() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!fd_) throw_system_error("eventfd", errno);
}

void WakeSignal::raise() const noexcept {
  const uint64_t one = 1;
  // EAGAIN only when the counter is at its maximum: raised already.
  [[maybe_unused]] const ssize_t n = ::write(fd_.get(), &one, sizeof one);
}

bool WakeSignal::take() const noexcept {
  uint64_t count = 0;
  return ::read(fd_.get(), &count, sizeof count) == static_cast<ssize_t>(sizeof count) && count > 0;
}

}  // namespace zc::fifo

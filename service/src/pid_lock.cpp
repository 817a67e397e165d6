#include "pid_lock.h"

#include <zc/fifo/ofd_lock.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <system_error>
#include <thread>

namespace zc::service {

namespace {

std::optional<pid_t> read_pid(int fd) {
  char buf[32];
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return std::nullopt;
  long long v = 0;
  ssize_t i = 0;
  for (; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) {
    v = v * 10 + (buf[i] - '0');
    if (v > 1'000'000'000) return std::nullopt;
  }
  if (i == 0 || v <= 0) return std::nullopt;
  return static_cast<pid_t>(v);
}

}  // namespace

bool write_pid_text(int fd, pid_t pid) noexcept {
  char buf[24];
  int n = 0;
  char rev[24];
  unsigned long v = static_cast<unsigned long>(pid);
  do {
    rev[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && n < 20);
  for (int i = 0; i < n; ++i) buf[i] = rev[n - 1 - i];
  buf[n++] = '\n';
  return ::pwrite(fd, buf, static_cast<size_t>(n), 0) == n && ::ftruncate(fd, n) == 0;
}

PidLock PidLock::try_acquire(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  fifo::UniqueFd fd(::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644));
  if (!fd) throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
  PidLock lock;
  const int err = fifo::ofd::try_lock(fd.get(), 0, 0);
  if (err == 0) {
    lock.fd_ = std::move(fd);
    return lock;
  }
  if (err != EAGAIN && err != EACCES) throw std::system_error(err, std::generic_category(), "cannot lock " + path.string());
  // Held by another description: its holder writes its pid right after locking.
  for (int i = 0; i < 20; ++i) {
    lock.holder_ = read_pid(fd.get());
    if (lock.holder_ || fifo::ofd::probe(fd.get(), 0, 0) != 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return lock;
}

void PidLock::write_pid(pid_t pid) const {
  if (!write_pid_text(fd_.get(), pid)) throw std::system_error(errno, std::generic_category(), "cannot write pid file");
}

bool pid_lock_held(const std::filesystem::path& path) {
  const fifo::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  return fd && fifo::ofd::probe(fd.get(), 0, 0) == 1;
}

}  // namespace zc::service

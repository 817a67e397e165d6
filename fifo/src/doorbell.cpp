#include "doorbell.h"

#include <zc/fifo/error.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

#include <cerrno>
#include <utility>

namespace zc::fifo {

Doorbell::Doorbell(std::string path, bool group_access, Lifetime lifetime)
    : path_(std::move(path)), lifetime_(lifetime) {
  const mode_t mode = group_access ? 0660 : 0600;
  if (lifetime_ == Lifetime::sleeper) ::unlink(path_.c_str());  // a leftover from a dead predecessor
  for (int attempt = 0; attempt < 2 && !fd_; ++attempt) {
    if (::mkfifo(path_.c_str(), mode) != 0 && errno != EEXIST) throw_system_error("mkfifo(" + path_ + ")", errno);
    fd_.reset(::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd_) throw_system_error("open(" + path_ + ")", errno);
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0 || !S_ISFIFO(st.st_mode) || st.st_uid != ::geteuid()) {
      fd_.reset();
      ::unlink(path_.c_str());  // not a FIFO of ours under our name: replace it once
    }
  }
  if (!fd_) throw FifoError(FifoErrc::system, path_ + " is not a FIFO");
  if (group_access) ::fchmod(fd_.get(), mode);
  drain();
}

Doorbell::Doorbell(Doorbell&& o) noexcept
    : path_(std::move(o.path_)), fd_(std::move(o.fd_)), lifetime_(o.lifetime_) {
  o.path_.clear();
}

Doorbell& Doorbell::operator=(Doorbell&& o) noexcept {
  if (this != &o) {
    release();
    path_ = std::exchange(o.path_, {});
    fd_ = std::move(o.fd_);
    lifetime_ = o.lifetime_;
  }
  return *this;
}

void Doorbell::release() noexcept {
  if (fd_ && lifetime_ == Lifetime::sleeper && !path_.empty()) {
    struct stat ours {}, named {};
    if (::fstat(fd_.get(), &ours) == 0 && ::stat(path_.c_str(), &named) == 0 && ours.st_ino == named.st_ino &&
        ours.st_dev == named.st_dev)
      ::unlink(path_.c_str());
  }
  fd_.reset();
  path_.clear();
}

void Doorbell::drain() const noexcept {
  char buf[256];
  while (::read(fd_.get(), buf, sizeof buf) > 0) {
  }
}

bool Doorbell::wait(int timeout_ms) const {
  pollfd p{fd_.get(), POLLIN, 0};
  for (;;) {
    const int n = ::poll(&p, 1, timeout_ms);
    if (n >= 0) return n > 0;
    if (errno != EINTR) throw_system_error("poll", errno);
  }
}

void DoorbellRinger::ring(const std::string& path, uint32_t epoch) noexcept {
  if (!opened_ || epoch != epoch_) {
    fd_.reset(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    struct stat st {};
    if (fd_ && (::fstat(fd_.get(), &st) != 0 || !S_ISFIFO(st.st_mode))) fd_.reset();
    epoch_ = epoch;
    opened_ = true;
  }
  if (!fd_) return;
  const char one = 1;
  // EAGAIN means the FIFO is full of unread wakeups: the sleeper will wake anyway.
  [[maybe_unused]] ssize_t n = ::write(fd_.get(), &one, 1);
}

}  // namespace zc::fifo

// The playback writer's doorbell: the named FIFO /dev/shm/zcrec.NAME.wake.w, kept for the lifetime of the fifo
// object rather than of one writer. A reader opens it once and keeps ringing that FIFO; a restarted writer
// reopens the same FIFO instead of replacing it, so the reader's wakeups reach it at once (a replaced FIFO
// would leave the reader ringing an unlinked one until its next reattach). PlaybackWriter::remove() unlinks it.
#pragma once

#include "unique_fd.h"

#include <zc/fifo/error.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace zc::fifo {

class PlaybackDoorbell {
 public:
  PlaybackDoorbell() = default;
  PlaybackDoorbell(const std::string& path, bool group_access) {
    const mode_t mode = group_access ? 0660 : 0600;
    for (int attempt = 0; attempt < 2 && !fd_; ++attempt) {
      if (::mkfifo(path.c_str(), mode) != 0 && errno != EEXIST) throw_system_error("mkfifo(" + path + ")", errno);
      fd_.reset(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
      if (!fd_) throw_system_error("open(" + path + ")", errno);
      struct stat st {};
      if (::fstat(fd_.get(), &st) != 0 || !S_ISFIFO(st.st_mode) || st.st_uid != ::geteuid()) {
        fd_.reset();
        ::unlink(path.c_str());  // not a FIFO of ours under our name: replace it once
      }
    }
    if (!fd_) throw FifoError(FifoErrc::system, path + " is not a FIFO");
    if (group_access) ::fchmod(fd_.get(), mode);
    drain();  // rings meant for a dead predecessor
  }

  int fd() const noexcept { return fd_.get(); }
  void drain() const noexcept {
    char buf[256];
    while (::read(fd_.get(), buf, sizeof buf) > 0) {
    }
  }
  // True if a ring arrived within `timeout_ms`.
  bool wait(int timeout_ms) const {
    pollfd p{fd_.get(), POLLIN, 0};
    for (;;) {
      const int n = ::poll(&p, 1, timeout_ms);
      if (n >= 0) return n > 0;
      if (errno != EINTR) throw_system_error("poll", errno);
    }
  }

 private:
  UniqueFd fd_;
};

}  // namespace zc::fifo

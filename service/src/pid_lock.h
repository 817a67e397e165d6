// A lock file that names its holder: an OFD write lock on the whole file (zc/fifo/ofd_lock.h), held by whoever
// keeps the open file description, with the holder's pid as the file's text. The kernel drops the lock when the
// last descriptor of the description closes, so a holder that dies (SIGKILL, crash) never leaves a stale lock:
// "locked" always means "a live process holds it", and the pid in the file is only read while it is locked.
//
// zcrecd uses two kinds (docs/service.md, "One daemon per storage directory" and "Ingest pid files"):
// `<storage>/zcrecd.lock`, held by the daemon for its life, and `<storage>/.ingest/<ring>.pid`, taken by the
// daemon and handed to the camera's ingest process, which holds it (as its fd 3) for its own life.
#pragma once

#include <zc/fifo/unique_fd.h>

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace zc::service {

class PidLock {
 public:
  // Opens (creating, with its directory) `path` and tries to lock it. Throws std::system_error when the file
  // cannot be opened or locked for a reason other than another holder.
  static PidLock try_acquire(const std::filesystem::path& path);

  bool held() const noexcept { return static_cast<bool>(fd_); }
  // The descriptor holding the lock (held() only): closing it (and every copy of it) releases the lock.
  int fd() const noexcept { return fd_.get(); }
  fifo::UniqueFd release() noexcept { return std::move(fd_); }
  // Writes `pid` as the file's text (held() only).
  void write_pid(pid_t pid) const;

  // When not held: the other holder's pid as its file says, nullopt when it has not written one (yet). The
  // holder writes its pid right after taking the lock; a reader that finds none waits up to a second for it.
  std::optional<pid_t> holder() const noexcept { return holder_; }

 private:
  fifo::UniqueFd fd_;
  std::optional<pid_t> holder_;
};

// Whether some open file description holds the lock on `path` now (false when the file does not exist).
bool pid_lock_held(const std::filesystem::path& path);

// Writes a pid as decimal text at offset 0 and truncates after it; async-signal-safe (used between fork and
// exec). Returns false when a write failed.
bool write_pid_text(int fd, pid_t pid) noexcept;

}  // namespace zc::service

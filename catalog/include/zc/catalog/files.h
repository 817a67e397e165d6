// Small file-system helpers with the crash-safety rules of docs/recording.md: new files are created
// exclusively, directory entries are fsynced, and liveness is an OFD lock the kernel drops when its owner dies.
#pragma once

#include <filesystem>
#include <utility>

namespace zc::catalog {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const noexcept { return fd_; }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

// O_CREAT|O_EXCL|O_WRONLY|O_CLOEXEC, 0644. Throws CatalogError(no_space/io).
UniqueFd open_new_file(const std::filesystem::path& path);
// Opens (creating) a file used only for its locks.
UniqueFd open_lock_file(const std::filesystem::path& path);
// Takes an OFD write lock on the whole file, or on one byte; throws if another process holds it.
void lock_whole_file(int fd, const std::filesystem::path& path);
void lock_byte(int fd, int64_t byte, const std::filesystem::path& path);
// True when some other open file description holds a lock on the whole file / the byte.
bool is_file_locked(const std::filesystem::path& path);
bool is_byte_locked(int fd, int64_t byte);
void fsync_dir(const std::filesystem::path& dir);
void fsync_parent_dir(const std::filesystem::path& path);
// mkdir -p, then fsync the parent so the new directory survives a crash.
void make_dirs(const std::filesystem::path& dir);

}  // namespace zc::catalog

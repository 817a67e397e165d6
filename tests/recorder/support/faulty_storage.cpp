#include "recorder/support/faulty_storage.h"

#include <algorithm>
#include <cerrno>

namespace zc::test {

void FaultyStorage::set_space(std::optional<int64_t> bytes) {
  std::lock_guard lock(mu_);
  space_ = bytes;
}

void FaultyStorage::fail_writes(int err) {
  std::lock_guard lock(mu_);
  write_errno_ = err;
}

int FaultyStorage::refuse(int err) {
  ++refused_;
  errno = err;
  return -1;
}

fifo::UniqueFd FaultyStorage::create_new(const std::filesystem::path& path) { return real_.create_new(path); }

ssize_t FaultyStorage::write(int fd, const void* buf, size_t bytes) {
  std::lock_guard lock(mu_);
  if (write_errno_ != 0) return refuse(write_errno_);
  if (!space_) return real_.write(fd, buf, bytes);
  if (*space_ <= 0) return refuse(ENOSPC);
  const ssize_t n = real_.write(fd, buf, std::min<size_t>(bytes, static_cast<size_t>(*space_)));
  if (n > 0) *space_ -= n;
  return n;
}

int FaultyStorage::fdatasync(int fd) {
  std::lock_guard lock(mu_);
  if (write_errno_ != 0) return refuse(write_errno_);
  return real_.fdatasync(fd);
}

int FaultyStorage::ftruncate(int fd, int64_t length) { return real_.ftruncate(fd, length); }

void FaultyStorage::fsync_parent_dir(const std::filesystem::path& path) { real_.fsync_parent_dir(path); }

void FaultyStorage::make_dirs(const std::filesystem::path& dir) { real_.make_dirs(dir); }

void FaultyStorage::remove(const std::filesystem::path& path) noexcept { real_.remove(path); }

}  // namespace zc::test

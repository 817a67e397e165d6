#include <zc/recorder/storage_io.h>

#include <zc/catalog/files.h>

#include <unistd.h>

namespace zc::recorder {

fifo::UniqueFd PosixStorageIo::create_new(const std::filesystem::path& path) { return catalog::open_new_file(path); }

ssize_t PosixStorageIo::write(int fd, const void* buf, size_t bytes) { return ::write(fd, buf, bytes); }

ssize_t PosixStorageIo::writev(int fd, const iovec* parts, int count) { return ::writev(fd, parts, count); }

int PosixStorageIo::fdatasync(int fd) { return ::fdatasync(fd); }

int PosixStorageIo::ftruncate(int fd, int64_t length) { return ::ftruncate(fd, static_cast<off_t>(length)); }

void PosixStorageIo::fsync_parent_dir(const std::filesystem::path& path) { catalog::fsync_parent_dir(path); }

void PosixStorageIo::make_dirs(const std::filesystem::path& dir) { catalog::make_dirs(dir); }

void PosixStorageIo::remove(const std::filesystem::path& path) noexcept {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

}  // namespace zc::recorder

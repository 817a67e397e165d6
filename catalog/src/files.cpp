#include <zc/catalog/files.h>

#include <zc/catalog/error.h>
#include <zc/fifo/ofd_lock.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace zc::catalog {

UniqueFd open_new_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) throw_io_error("cannot create " + path.string(), errno);
  return UniqueFd(fd);
}

UniqueFd open_lock_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0) throw_io_error("cannot open lock file " + path.string(), errno);
  return UniqueFd(fd);
}

void lock_whole_file(int fd, const std::filesystem::path& path) {
  if (const int err = fifo::ofd::try_lock(fd, 0, 0)) throw_io_error("cannot lock " + path.string(), err);
}

void lock_byte(int fd, int64_t byte, const std::filesystem::path& path) {
  if (const int err = fifo::ofd::try_lock(fd, byte, 1)) throw_io_error("cannot lock byte of " + path.string(), err);
}

bool is_file_locked(const std::filesystem::path& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  return fd && fifo::ofd::probe(fd.get(), 0, 0) == 1;
}

bool is_byte_locked(int fd, int64_t byte) { return fifo::ofd::probe(fd, byte, 1) == 1; }

void fsync_dir(const std::filesystem::path& dir) {
  const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_io_error("cannot open directory " + dir.string(), errno);
  if (::fsync(fd.get()) != 0) throw_io_error("fsync " + dir.string(), errno);
}

void fsync_parent_dir(const std::filesystem::path& path) {
  fsync_dir(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));
}

void make_dirs(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw_io_error("cannot create directory " + dir.string(), ec.value());
  fsync_parent_dir(dir);
}

}  // namespace zc::catalog

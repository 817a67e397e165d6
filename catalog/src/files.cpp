#include <zc/catalog/files.h>

#include <zc/catalog/error.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace zc::catalog {

void UniqueFd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

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

namespace {
struct flock range_lock(short type, int64_t start, int64_t len) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = len;
  return fl;
}
}  // namespace

void lock_whole_file(int fd, const std::filesystem::path& path) {
  auto fl = range_lock(F_WRLCK, 0, 0);
  if (::fcntl(fd, F_OFD_SETLK, &fl) != 0) throw_io_error("cannot lock " + path.string(), errno);
}

void lock_byte(int fd, int64_t byte, const std::filesystem::path& path) {
  auto fl = range_lock(F_WRLCK, byte, 1);
  if (::fcntl(fd, F_OFD_SETLK, &fl) != 0) throw_io_error("cannot lock byte of " + path.string(), errno);
}

bool is_file_locked(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  auto fl = range_lock(F_WRLCK, 0, 0);
  const bool locked = ::fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
  ::close(fd);
  return locked;
}

bool is_byte_locked(int fd, int64_t byte) {
  auto fl = range_lock(F_WRLCK, byte, 1);
  return ::fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

void fsync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_io_error("cannot open directory " + dir.string(), errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw_io_error("fsync " + dir.string(), err);
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

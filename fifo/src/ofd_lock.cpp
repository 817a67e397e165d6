#include <zc/fifo/ofd_lock.h>

#include <fcntl.h>

#include <cerrno>

namespace zc::fifo::ofd {
namespace {
struct flock range(short type, off_t start, off_t len) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = len;
  return fl;
}
}  // namespace

int try_lock(int fd, off_t start, off_t len) noexcept {
  auto fl = range(F_WRLCK, start, len);
  return ::fcntl(fd, F_OFD_SETLK, &fl) == 0 ? 0 : errno;
}

void unlock(int fd, off_t start, off_t len) noexcept {
  auto fl = range(F_UNLCK, start, len);
  ::fcntl(fd, F_OFD_SETLK, &fl);
}

int probe(int fd, off_t start, off_t len) noexcept {
  auto fl = range(F_WRLCK, start, len);
  if (::fcntl(fd, F_OFD_GETLK, &fl) != 0) return -errno;
  return fl.l_type != F_UNLCK ? 1 : 0;
}

}  // namespace zc::fifo::ofd

// The file and directory calls a recording makes for its segment files, behind one small interface so that tests
// can make them fail on demand — a full disk (ENOSPC) or an I/O error (EIO) — without root or a tmpfs. The
// default, PosixStorageIo, is the real thing; the catalog's own SQLite files do not go through it.
//
// Calls keep their POSIX shapes: write/fdatasync/ftruncate return what the system call returns (-1 with errno
// set); create_new/fsync_parent_dir/make_dirs throw catalog::CatalogError (no_space for ENOSPC/EDQUOT, else io).
// An implementation may be shared by several recordings and is called from the recording's thread only.
#pragma once

#include <zc/fifo/unique_fd.h>

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace zc::recorder {

class StorageIo {
 public:
  virtual ~StorageIo() = default;
  // O_CREAT|O_EXCL|O_WRONLY|O_CLOEXEC, 0644: a segment file that must not exist yet.
  virtual fifo::UniqueFd create_new(const std::filesystem::path& path) = 0;
  virtual ssize_t write(int fd, const void* buf, size_t bytes) = 0;
  // Gathered write (a fragment: its boxes, then each track's samples). May write less than all, as writev(2)
  // may; the default writes what write() takes of the first non-empty part, so an implementation that only
  // overrides write() sees every byte.
  virtual ssize_t writev(int fd, const iovec* parts, int count) {
    for (int i = 0; i < count; ++i)
      if (parts[i].iov_len > 0) return write(fd, parts[i].iov_base, parts[i].iov_len);
    return 0;
  }
  virtual int fdatasync(int fd) = 0;
  virtual int ftruncate(int fd, int64_t length) = 0;
  // fsync of the directory holding `path`, so that its new entry survives a crash.
  virtual void fsync_parent_dir(const std::filesystem::path& path) = 0;
  // mkdir -p, the new directory's entry fsynced.
  virtual void make_dirs(const std::filesystem::path& dir) = 0;
  // Unlinks a file if it exists; errors are ignored (what is left is found by recovery or `zcrec check`).
  virtual void remove(const std::filesystem::path& path) noexcept = 0;
};

class PosixStorageIo final : public StorageIo {
 public:
  fifo::UniqueFd create_new(const std::filesystem::path& path) override;
  ssize_t write(int fd, const void* buf, size_t bytes) override;
  ssize_t writev(int fd, const iovec* parts, int count) override;
  int fdatasync(int fd) override;
  int ftruncate(int fd, int64_t length) override;
  void fsync_parent_dir(const std::filesystem::path& path) override;
  void make_dirs(const std::filesystem::path& dir) override;
  void remove(const std::filesystem::path& path) noexcept override;
};

}  // namespace zc::recorder

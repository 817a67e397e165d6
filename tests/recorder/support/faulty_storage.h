// A seam for segment-file fault tests that need no root: the real file system (PosixStorageIo) until told to
// fail. set_space(n) is a disk with n bytes left — writes go through up to n, the one that crosses it is short,
// later ones fail with ENOSPC, as write(2) does on a full filesystem — and set_space(nullopt) gives the space
// back. fail_writes(EIO) makes every write and fdatasync fail with that errno (a dying disk), 0 heals it.
// Only segment files go through it; the catalog is SQLite's own (FullCatalogVfs fills that one).
#pragma once

#include <zc/recorder/storage_io.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>

namespace zc::test {

class FaultyStorage final : public recorder::StorageIo {
 public:
  void set_space(std::optional<int64_t> bytes);
  void fail_writes(int err);
  long refused_writes() const { return refused_.load(); }

  fifo::UniqueFd create_new(const std::filesystem::path& path) override;
  ssize_t write(int fd, const void* buf, size_t bytes) override;
  int fdatasync(int fd) override;
  int ftruncate(int fd, int64_t length) override;
  void fsync_parent_dir(const std::filesystem::path& path) override;
  void make_dirs(const std::filesystem::path& dir) override;
  void remove(const std::filesystem::path& path) noexcept override;

 private:
  int refuse(int err);

  recorder::PosixStorageIo real_;
  std::mutex mu_;  // the test thread changes the faults while the recorder writes
  std::optional<int64_t> space_;
  int write_errno_ = 0;
  std::atomic<long> refused_{0};
};

}  // namespace zc::test

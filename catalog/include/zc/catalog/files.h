// Small file-system helpers with the crash-safety rules of docs/recording.md: new files are created
// exclusively, directory entries are fsynced, and liveness is an OFD lock the kernel drops when its owner dies.
#pragma once

#include <zc/fifo/unique_fd.h>

#include <cstdint>
#include <filesystem>

namespace zc::catalog {

using UniqueFd = fifo::UniqueFd;

// O_CREAT|O_EXCL|O_WRONLY|O_CLOEXEC, 0644. Throws CatalogError(no_space/io).
UniqueFd open_new_file(const std::filesystem::path& path);
// Opens (creating) a file used only for its locks.
UniqueFd open_lock_file(const std::filesystem::path& path);
// Takes an OFD write lock (zc/fifo/ofd_lock.h) on the whole file, or on one byte; throws if another open file
// description holds it.
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

// Open-file-description (OFD) write locks on byte ranges: held by the open file description (not the process),
// so two descriptors of one process exclude each other, and the kernel drops a lock when its last descriptor is
// closed or its process dies. zcrec's liveness is such a lock: a writer's or reader's byte of a ring, a
// recorder's byte of recorders.lock, a segment file being written.
//
// Ranges are [start, start + len); len 0 means "to the end of the file, however long" (the whole file when
// start is 0). Results are errno values, not exceptions: each module turns them into its own error type.
#pragma once

#include <sys/types.h>

namespace zc::fifo::ofd {

// 0 when this description now holds the lock; EAGAIN or EACCES when another description holds a conflicting
// one; another errno when fcntl() failed.
int try_lock(int fd, off_t start, off_t len) noexcept;
void unlock(int fd, off_t start, off_t len) noexcept;

// 1 when another open file description holds a lock overlapping the range, 0 when none does, -errno when
// fcntl() failed. A lock held through `fd` itself is never reported.
int probe(int fd, off_t start, off_t len) noexcept;

}  // namespace zc::fifo::ofd

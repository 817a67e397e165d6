// The recorder's catalog writes, in order, through one queue: a write refused because the disk is full
// (SQLITE_FULL, no_space) stays queued and is replayed before anything else is written, so rows never land out
// of order and none is lost while the recording pauses (docs/recording.md, "Disk full").
#pragma once

#include <zc/catalog/catalog.h>

#include <deque>
#include <functional>

namespace zc::recorder {

using CatalogWrite = std::function<void(catalog::Catalog&)>;

class CatalogQueue {
 public:
  explicit CatalogQueue(catalog::Catalog& catalog) : catalog_(catalog) {}

  // Queues `w` behind what is pending and flushes; false while the disk is still full (`w` stays queued).
  bool write(CatalogWrite w);
  // Queues `w` without flushing: for the last rows of a recording, flushed by flush_at_end().
  void push(CatalogWrite w) { pending_.push_back(std::move(w)); }
  // Replays what is pending; false while the disk is still full. Other errors propagate.
  bool flush();
  bool empty() const noexcept { return pending_.empty(); }

  // The last writes must reach the catalog: the space reserve (Catalog::keep_space_reserve) is there for them.
  // Should even that be gone, a few retries (another process may free space) come before the recording is left
  // to recovery. Throws RecorderError(no_space) naming the recording.
  void flush_at_end(int64_t recording_id);

 private:
  catalog::Catalog& catalog_;
  std::deque<CatalogWrite> pending_;
};

}  // namespace zc::recorder

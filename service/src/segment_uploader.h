// Copies closed segments to S3 (docs/object-storage.md): one thread with its own catalog connection and its own
// S3 client. It takes the catalog's queue (Catalog::segments_to_upload: complete or recovered, location local),
// oldest first, PUTs each file, confirms the copy with a HEAD of the same size, and only then records it
// (local -> both). A failure is retried with exponential backoff (1 s doubling to 60 s); the local file is never
// touched here. A segment whose file cannot be read is set aside until the next start and the others go on.
#pragma once

#include <zc/catalog/retention.h>
#include <zc/fifo/clock.h>
#include <zc/service/config.h>
#include <zc/service/service.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "log.h"

namespace zc::service {

class SegmentUploader {
 public:
  // clock: the service's (outlives the uploader): the time a segment is marked uploaded.
  SegmentUploader(S3StorageConfig config, std::filesystem::path storage_dir, const Logger& log,
                  const fifo::Clock& clock);
  SegmentUploader(const SegmentUploader&) = delete;
  SegmentUploader& operator=(const SegmentUploader&) = delete;
  ~SegmentUploader();

  // A segment may have closed: look at the queue now rather than at the next poll (1 s).
  void wake();
  // Ends the current request (bounded by the client's timeouts) and joins the thread.
  void stop();
  UploadStatus status() const;
  // Counters the retention pass adds to (it deletes copies through its own client).
  void count_local_removed(int64_t n);
  void count_remote_deleted(int64_t n);

 private:
  void run();
  // False when stopped. A backoff is not wakeable: a segment closing does not shorten it.
  bool wait(std::chrono::milliseconds d, bool wakeable);

  const S3StorageConfig config_;
  const std::filesystem::path dir_;
  const Logger& log_;
  const fifo::Clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopped_ = false;
  bool woken_ = false;
  UploadStatus status_;
  std::thread thread_;
};

// Retention's way to delete a segment's S3 copy (catalog::apply_retention): its own client, used by the one
// retention thread. An object that is already gone is not an error. `clock` (the service's) signs its requests.
catalog::RemoteDelete make_remote_delete(const S3StorageConfig& config, const fifo::Clock& clock);

// The object key of a segment: the configured prefix + its path below the storage directory.
inline std::string s3_key_for(const S3StorageConfig& c, const std::string& segment_path) { return c.prefix + segment_path; }

}  // namespace zc::service

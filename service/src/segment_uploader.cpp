#include "segment_uploader.h"

#include <zc/catalog/catalog.h>
#include <zc/catalog/error.h>
#include <zc/objectstore/error.h>
#include <zc/objectstore/s3_client.h>

#include <algorithm>
#include <chrono>

namespace zc::service {
namespace {

using namespace std::chrono_literals;

constexpr auto kPoll = 1s;          // an idle uploader looks at the queue this often (and when woken)
constexpr auto kFirstBackoff = 1s;  // after a failure; doubles up to kMaxBackoff; reset by a success
constexpr auto kMaxBackoff = 60s;
constexpr int64_t kBatch = 16;

objectstore::S3Config client_config(const S3StorageConfig& c, const fifo::Clock& clock) {
  objectstore::S3Config s;
  s.clock = &clock;
  s.endpoint = c.endpoint;
  s.bucket = c.bucket;
  s.region = c.region;
  s.credentials = {c.access_key, c.secret_key};
  return s;
}

}  // namespace

SegmentUploader::SegmentUploader(S3StorageConfig config, std::filesystem::path storage_dir, const Logger& log,
                                 const fifo::Clock& clock)
    : config_(std::move(config)), dir_(std::move(storage_dir)), log_(log), clock_(clock) {
  thread_ = std::thread([this] { run(); });
}

SegmentUploader::~SegmentUploader() { stop(); }

void SegmentUploader::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

void SegmentUploader::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

UploadStatus SegmentUploader::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void SegmentUploader::count_local_removed(int64_t n) {
  std::lock_guard lock(mutex_);
  status_.local_removed += n;
}

void SegmentUploader::count_remote_deleted(int64_t n) {
  std::lock_guard lock(mutex_);
  status_.remote_deleted += n;
}

bool SegmentUploader::wait(std::chrono::milliseconds d, bool wakeable) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, d, [&] { return stopped_ || (wakeable && woken_); });
  woken_ = false;
  return !stopped_;
}

void SegmentUploader::run() {
  std::optional<catalog::Catalog> cat;
  std::optional<objectstore::S3Client> client;
  std::set<int64_t> set_aside;  // segments whose file could not be read: not retried until the next start
  std::chrono::milliseconds backoff = kFirstBackoff;
  std::string last_logged;
  auto failed = [&](const std::string& what, bool count) {
    {
      std::lock_guard lock(mutex_);
      if (count) ++status_.failures;
      status_.retrying = true;
      status_.last_error = what;
    }
    // One line per new reason, not per retry: a store that is down for an hour is one line, then one at its return.
    if (what != last_logged) log_.warning("s3: " + what + "; retrying with backoff");
    last_logged = what;
  };
  while (true) {
    std::vector<catalog::SegmentRow> batch;
    try {
      if (!cat) cat.emplace(catalog::Catalog::open_existing(dir_, catalog::Catalog::Access::read_write));
      if (!client) client.emplace(client_config(config_, clock_));
      const int64_t backlog = cat->upload_backlog();
      {
        std::lock_guard lock(mutex_);
        status_.queued = std::max<int64_t>(0, backlog - static_cast<int64_t>(set_aside.size()));
      }
      for (auto& s : cat->segments_to_upload(kBatch + static_cast<int64_t>(set_aside.size())))
        if (!set_aside.count(s.id)) batch.push_back(std::move(s));
    } catch (const std::exception& e) {
      failed(std::string("cannot read the upload queue: ") + e.what(), true);
      if (!wait(backoff, false)) return;
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
      continue;
    }
    if (batch.empty()) {
      if (!wait(kPoll, true)) return;
      continue;
    }
    bool failure = false;
    for (const auto& seg : batch) {
      {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
      }
      const std::string key = s3_key_for(config_, seg.path);
      try {
        const auto put = client->put_file(key, cat->absolute_path(seg));
        // Confirmed only by what the store says it holds: the same size as the file that was sent.
        const auto head = client->head(key);
        if (head.size_bytes != put.size_bytes) {
          throw objectstore::ObjectStoreError(objectstore::ObjectStoreErrc::server,
                                              "S3 holds " + std::to_string(head.size_bytes) + " bytes of " + key +
                                                  ", " + std::to_string(put.size_bytes) + " were sent");
        }
        if (!cat->set_segment_uploaded(seg.id, key, clock_.wall_ns())) {
          // Retention took the segment while it was being sent: its row is going, so is the copy.
          client->remove(key);
          continue;
        }
        std::lock_guard lock(mutex_);
        ++status_.uploaded;
        status_.uploaded_bytes += static_cast<int64_t>(put.size_bytes);
        status_.queued = std::max<int64_t>(0, status_.queued - 1);
        status_.retrying = false;
        backoff = kFirstBackoff;
        if (!last_logged.empty()) log_.info("s3: uploads work again");
        last_logged.clear();
      } catch (const objectstore::ObjectStoreError& e) {
        if (e.code() == objectstore::ObjectStoreErrc::io) {
          // The file is unreadable or gone: gone because retention is deleting it is normal; otherwise say so.
          const auto row = cat->segment(seg.id);
          if (row && row->state != "deleting") {
            log_.error("s3: segment " + seg.path + " cannot be uploaded: " + e.what() + " (set aside until restart)");
            set_aside.insert(seg.id);
            std::lock_guard lock(mutex_);
            ++status_.failures;
            status_.last_error = e.what();
          }
          continue;
        }
        failed(e.what(), true);
        failure = true;
        break;
      } catch (const std::exception& e) {
        failed(e.what(), true);
        failure = true;
        break;
      }
    }
    if (failure) {
      if (!wait(backoff, false)) return;
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
    }
  }
}

catalog::RemoteDelete make_remote_delete(const S3StorageConfig& config, const fifo::Clock& clock) {
  auto client = std::make_shared<objectstore::S3Client>(client_config(config, clock));
  return [client](const catalog::SegmentRow& segment) {
    if (segment.s3_key.empty()) return;
    try {
      client->remove(segment.s3_key);
    } catch (const objectstore::ObjectStoreError& e) {
      if (e.code() != objectstore::ObjectStoreErrc::not_found) throw;
    }
  };
}

}  // namespace zc::service

// A host's publisher running on a thread of its own (docs/cluster.md, "Publishing"): connects, migrates, and
// publishes the local catalog every `every`; while the server cannot be reached it retries with backoff (0.5 s
// doubling to 10 s) and the next publish catches up. Used by zcrecd's `cluster:` block and `zcrec cluster
// publish`. Never throws from its thread; what went wrong is in status() and on_log.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <zc/cluster/publisher.h>
#include <zc/fifo/clock.h>

namespace zc::cluster {

struct PublishLoopOptions {
  std::string conninfo;  // never logged
  std::string host;
  std::string ring_prefix;
  std::string api_url;  // announced with every publish (publisher.h); '' none
  std::filesystem::path storage_dir;  // the local catalog's directory (opened read-only)
  std::chrono::milliseconds every{5000};
  // Every publish in between is incremental (publisher.h): the rows of the minute before the previous publish
  // began, and everything since. The first publish after a start is full.
  std::chrono::milliseconds full_every{600'000};
  // One line per publish ("published …") and per failure ("…; retrying in 2.0 s"), from the loop's thread.
  std::function<void(bool error, const std::string& line)> on_log;
  // The time a publish starts and succeeds, and the full-publish period, are read from it; null: the host's.
  std::shared_ptr<const fifo::Clock> clock;
};

struct PublishLoopStatus {
  int64_t publishes = 0;          // successful publishes since start
  int64_t failures = 0;           // failed attempts since start
  int64_t last_success_wall_ns = 0;  // 0: none yet
  std::string last_error;         // of the newest failure; empty after a success
  bool fatal = false;             // a failure that retrying cannot fix (credentials, a newer schema): the loop ended
};

class PublishLoop {
 public:
  explicit PublishLoop(PublishLoopOptions options);
  ~PublishLoop();  // stops the loop and joins its thread (at most one statement's time)
  PublishLoop(const PublishLoop&) = delete;
  PublishLoop& operator=(const PublishLoop&) = delete;

  PublishLoopStatus status() const;
  void stop();

 private:
  void run();
  bool wait(std::chrono::milliseconds d);  // false when stopped meanwhile

  const PublishLoopOptions o_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  PublishLoopStatus status_;
  std::thread thread_;
};

}  // namespace zc::cluster

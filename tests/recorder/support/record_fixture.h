// Shared fixture for in-process recorder tests: real clips (made once per test binary), a ring fed from them,
// a storage directory, and helpers that judge results with ffprobe and framemd5.
#pragma once

#include <zc/bench/ring_feeder.h>
#include <zc/catalog/catalog.h>
#include <zc/fifo/ring_writer.h>
#include <zc/recorder/recorder.h>

#include <gtest/gtest.h>

#include "recorder/support/media_check.h"
#include "recorder/support/temp_dir.h"
#include "support/test_support.h"

#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

namespace zc::test {

using bench::FedFrame;
using bench::FeedOptions;
using bench::RingFeeder;

// Clips encoded once per process, keyed by name, in a directory removed at exit.
const std::filesystem::path& clip(const std::string& name);

// A ring fed by a RingFeeder: backlog at construction, real time on a thread until destroyed.
class FedRing {
 public:
  FedRing(const std::string& tag, FeedOptions options, uint64_t ring_bytes = 32ULL << 20);
  ~FedRing();
  const std::string& name() const { return stream_.name(); }
  RingFeeder& feeder() { return feeder_; }
  // Capture time of the newest frame after the backlog (what the recorder will take as T).
  int64_t backlog_end_mono_ns() const { return backlog_end_mono_ns_; }
  // Frames written as backlog (a copy: the feeder thread keeps appending to its own list).
  const std::vector<FedFrame>& backlog() const { return backlog_; }
  // Newest video keyframe in the backlog captured at or before mono_ns.
  std::optional<FedFrame> keyframe_at_or_before(int64_t mono_ns) const;

 private:
  ScopedStream stream_;
  RingFeeder feeder_;
  std::optional<fifo::RingWriter> writer_;
  std::atomic<bool> stop_{false};
  int64_t backlog_end_mono_ns_ = 0;
  std::vector<FedFrame> backlog_;
  std::thread thread_;
};

// The source's decoded frames in presentation order, and where the frame with video pts `pts` sits in it.
struct SourceFrames {
  std::vector<std::string> md5;
  std::vector<int64_t> sorted_pts;  // video pts as the feeder writes them for the first pass over the clip
  size_t index_of(int64_t pts) const;
};
SourceFrames source_frames(const std::filesystem::path& clip_path);

}  // namespace zc::test

// When a live source reads its next batch (SourceOptions::may_batch; docs/ingest.md, "Batched reads"): the one
// schedule both batching readers follow, zcrec's RTSP client (zc::ingest) and the live Annex-B pipe. It asks
// may_batch at most once per interval, sleeps until the next batch is due, and sets the interval after each batch:
// fifo::kMaxBatchDelay, or less when the source's rate would fill more than a quarter of what its descriptor holds
// unread (a socket's receive buffer, a pipe's capacity) by then.
#pragma once

#include <zc/fifo/clock.h>

#include <cstdint>
#include <functional>

namespace zc::media {

class BatchSchedule {
 public:
  // No clock or no may_batch: never batches. `on_start` runs each time batching starts (a pipe grows itself).
  BatchSchedule(const fifo::Clock* clock, std::function<bool()> may_batch, std::function<void()> on_start = {});

  // Whether the next read is a batch. may_batch is asked at most once per interval; when batching starts, the
  // first batch is one interval from now.
  bool wanted();
  // Sleeps until the next batch is due (one interval after the last read ended).
  void sleep_until_due() const;
  // A read ended at `now_ns` (clock's mono_ns), batch or not: nothing read later arrived before it.
  void read_ended(int64_t now_ns) { last_read_ns_ = now_ns; }
  // A batch's reads ended at `now_ns` with `bytes`; `unread_capacity`: bytes the descriptor holds unread. Sets the
  // next interval and counts as read_ended(now_ns).
  void batch_read(int64_t now_ns, uint64_t bytes, int64_t unread_capacity);
  // When the last read ended: the earliest arrival a frame read since may be stamped with.
  int64_t last_read_ns() const noexcept { return last_read_ns_; }

 private:
  const fifo::Clock* clock_;
  std::function<bool()> may_batch_;
  std::function<void()> on_start_;
  bool batching_ = false;
  int64_t next_check_ns_ = 0;
  int64_t last_read_ns_ = 0;
  int64_t interval_ns_;
};

}  // namespace zc::media

#include <zc/media/batch_schedule.h>

#include <zc/fifo/ring_writer.h>

#include <time.h>

#include <algorithm>
#include <chrono>

namespace zc::media {

namespace {
constexpr int64_t kBatchBufferShare = 4;
constexpr int64_t kMinIntervalNs = 10'000'000;
constexpr int64_t kMaxIntervalNs = std::chrono::duration_cast<std::chrono::nanoseconds>(fifo::kMaxBatchDelay).count();
}  // namespace

BatchSchedule::BatchSchedule(const fifo::Clock* clock, std::function<bool()> may_batch, std::function<void()> on_start)
    : clock_(clock),
      may_batch_(clock != nullptr ? std::move(may_batch) : nullptr),
      on_start_(std::move(on_start)),
      interval_ns_(kMaxIntervalNs) {}

bool BatchSchedule::wanted() {
  if (!may_batch_) return false;
  const int64_t now = clock_->mono_ns();
  if (now < next_check_ns_) return batching_;
  next_check_ns_ = now + interval_ns_;
  const bool was = batching_;
  batching_ = may_batch_();
  if (batching_ && !was) {
    last_read_ns_ = now;
    if (on_start_) on_start_();
  }
  return batching_;
}

void BatchSchedule::sleep_until_due() const {
  if (const int64_t wait = last_read_ns_ + interval_ns_ - clock_->mono_ns(); wait > 0) {
    const timespec ts{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
    ::nanosleep(&ts, nullptr);
  }
}

void BatchSchedule::batch_read(int64_t now_ns, uint64_t bytes, int64_t unread_capacity) {
  const int64_t elapsed = now_ns - last_read_ns_;
  last_read_ns_ = now_ns;
  interval_ns_ = kMaxIntervalNs;
  if (bytes == 0 || elapsed <= 0) return;
  const auto fill_ns = static_cast<int64_t>(static_cast<__int128>(unread_capacity / kBatchBufferShare) * elapsed /
                                            static_cast<int64_t>(bytes));
  interval_ns_ = std::clamp(fill_ns, kMinIntervalNs, kMaxIntervalNs);
}

}  // namespace zc::media

#include "frame_holder.h"

#include <chrono>

namespace zc::recorder {

std::deque<HeldFrame> FrameHolder::release() {
  stop();
  return std::move(frames_);
}

void FrameHolder::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true, std::memory_order_release);
  thread_.join();
}

void FrameHolder::run() {
  fifo::Frame f;
  while (!stop_.load(std::memory_order_acquire)) {
    const auto st = bytes_ < kMaxHeldBytes ? reader_.try_read(f) : fifo::ReadStatus::empty;
    if (st == fifo::ReadStatus::frame || st == fifo::ReadStatus::end_of_stream) {
      bytes_ += f.payload.size() + sizeof f.header;
      if (!info_ || f.header.info_changed) info_ = std::make_shared<const fifo::StreamInfo>(reader_.stream_info());
      frames_.push_back(HeldFrame{std::move(f), info_, st == fifo::ReadStatus::end_of_stream});
      f = fifo::Frame{};
      if (st == fifo::ReadStatus::end_of_stream) return;  // nothing follows the end
      continue;
    }
    if (bytes_ >= kMaxHeldBytes || reader_.wait(std::chrono::milliseconds(20)) == fifo::WaitStatus::writer_gone) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

}  // namespace zc::recorder

// Reads the ring into memory on a thread while Recorder::start() waits for the catalog, so that the ring cannot
// overwrite the chosen pre-roll however long that takes. Past kMaxHeldBytes it stops reading: what the ring
// overwrites after that is reported as lost like any lap.
#pragma once

#include <zc/fifo/ring_reader.h>

#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <thread>

namespace zc::recorder {

struct HeldFrame {
  fifo::Frame frame;
  std::shared_ptr<const fifo::StreamInfo> info;  // the reader's stream info in force for it
  bool end_of_stream = false;                    // the writer's end mark: nothing follows
};

class FrameHolder {
 public:
  explicit FrameHolder(fifo::RingReader& reader) : reader_(reader), thread_([this] { run(); }) {}
  FrameHolder(const FrameHolder&) = delete;
  FrameHolder& operator=(const FrameHolder&) = delete;
  ~FrameHolder() { stop(); }
  // Stops reading; the frames held, oldest first.
  std::deque<HeldFrame> release();

 private:
  static constexpr size_t kMaxHeldBytes = 256u << 20;
  void stop();
  void run();

  fifo::RingReader& reader_;
  std::deque<HeldFrame> frames_;
  std::shared_ptr<const fifo::StreamInfo> info_;
  size_t bytes_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: started once the members it uses exist
};

}  // namespace zc::recorder

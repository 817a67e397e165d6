// Following a camera's live ring for a viewer (live.mp4, live.m3u8): the next frame, or nothing yet, or the end
// of the camera's stream — its end-of-stream mark, or its writer gone for longer than a restart takes.
#pragma once

#include <zc/fifo/clock.h>
#include <zc/fifo/ring_reader.h>

#include <chrono>
#include <string>
#include <thread>

namespace zc::service::http {

class RingFollower {
 public:
  // A ring without a writer for this long ends the stream (the camera is gone; a player reconnects).
  static constexpr std::chrono::seconds kWriterGoneLimit{10};

  enum class Step { frame, idle, ended };

  // clock: the service's; the writer-gone limit is on its mono_ns.
  RingFollower(std::chrono::milliseconds wait, const fifo::Clock& clock)
      : wait_(wait), clock_(clock), writer_seen_ns_(clock.mono_ns()) {}

  // Waits at most `wait` for a frame (into `frame`); `ended` is then set to why the stream ended.
  Step next(fifo::RingReader& reader, fifo::Frame& frame, std::string& ended) {
    const auto st = reader.read(frame, wait_);
    if (st == fifo::WaitStatus::end_of_stream) {
      ended = "the camera's stream ended";
      return Step::ended;
    }
    if (st == fifo::WaitStatus::writer_gone) {
      if (clock_.mono_ns() - writer_seen_ns_ > std::chrono::nanoseconds(kWriterGoneLimit).count()) {
        ended = "the camera's ingest is gone";
        return Step::ended;
      }
      std::this_thread::sleep_for(wait_);  // a writer restarting: poll, the ring cannot wake us
      return Step::idle;
    }
    writer_seen_ns_ = clock_.mono_ns();
    return st == fifo::WaitStatus::ready ? Step::frame : Step::idle;
  }

 private:
  std::chrono::milliseconds wait_;
  const fifo::Clock& clock_;
  int64_t writer_seen_ns_;
};

}  // namespace zc::service::http

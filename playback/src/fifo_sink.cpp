// FrameSink into a playback fifo: the player's pacing sleep is the fifo's control wait, so a seek or pause from
// the reader interrupts it at once, and a dead reader ends playback within one liveness slice.
#include <zc/fifo/error.h>
#include <zc/playback/error.h>
#include <zc/playback/frame_sink.h>

#include <thread>

namespace zc::playback {

bool FrameSink::wait_until(std::chrono::steady_clock::time_point until) {
  std::this_thread::sleep_until(until);
  return false;
}

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class FifoSink final : public FrameSink {
 public:
  FifoSink(fifo::PlaybackWriter writer, milliseconds drain_timeout)
      : writer_(std::move(writer)), drain_timeout_(drain_timeout) {}

  void stream_info(const fifo::StreamInfo& info) override { writer_.set_stream_info(info); }

  void frame(const fifo::FrameMeta& meta, std::span<const std::byte> payload) override {
    guard([&] {
      if (!reader_came_) {
        // Like a named pipe: nothing is paced into an empty room. Waits as long as it takes for a reader.
        writer_.wait_for_reader(milliseconds(-1));
        reader_came_ = true;
      }
      writer_.write(meta, payload);
    });
  }

  void end() override {
    guard([&] {
      writer_.end_stream();
      switch (writer_.wait_drained(drain_timeout_)) {
        case fifo::WriterWake::ready:
          // Everything, the end marker included, was taken: the reader keeps its mapping, the name can go.
          fifo::PlaybackWriter::remove(writer_.name());
          break;
        case fifo::WriterWake::peer_gone:
          gone();
        default:
          break;  // no reader took it yet: the fifo stays for one that attaches later
      }
    });
  }

  bool wait_until(Clock::time_point until) override {
    for (;;) {
      const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
      if (left.count() <= 0) return false;
      switch (writer_.wait_control(left)) {
        case fifo::WriterWake::control: return true;
        case fifo::WriterWake::peer_gone: gone();
        default: break;
      }
    }
  }

  std::optional<fifo::ControlRequest> poll_control() override { return writer_.poll_control(); }
  void acknowledge(const fifo::ControlRequest& r) override { writer_.acknowledge(r); }

 private:
  [[noreturn]] void gone() const {
    throw PlaybackError(PlaybackErrc::peer_gone, "the reader of playback fifo '" + writer_.name() + "' went away");
  }
  template <class F>
  void guard(F&& f) {
    try {
      f();
    } catch (const fifo::FifoError& e) {
      if (e.code() == fifo::FifoErrc::peer_gone) gone();
      throw;
    }
  }

  fifo::PlaybackWriter writer_;
  milliseconds drain_timeout_;
  bool reader_came_ = false;
};

}  // namespace

std::unique_ptr<FrameSink> make_fifo_sink(const std::string& name, const fifo::PlaybackFifoOptions& options,
                                          milliseconds drain_timeout) {
  return std::make_unique<FifoSink>(fifo::PlaybackWriter::create(name, options), drain_timeout);
}

}  // namespace zc::playback

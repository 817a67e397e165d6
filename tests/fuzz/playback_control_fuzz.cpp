// The playback fifo's control channel: the reader side is untrusted (any process that opens the fifo), and the
// player obeys whatever it finds in the shared ControlBlock. Here a real player replays a real recorded clip
// into a sink built on a real PlaybackWriter; whenever the player polls for requests, the input either
// publishes a request the way a reader does (any command value, any argument) or scribbles the control block's
// words directly, and the real PlaybackWriter decodes what is there.
// Contract: the player neither crashes nor overflows (UBSan) on any seek target or speed, acknowledges what it
// polls, finishes, and every frame it emits belongs to the clip's tracks with a payload.
#include <zc/fifo/error.h>
#include <zc/fifo/playback_fifo.h>
#include <zc/playback/error.h>
#include <zc/playback/player.h>

#include "fuzz_check.h"
#include "layout.h"
#include "playback_control.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace zc;

namespace {

// The clip the corpus script records (tests/fuzz/make_corpus.sh); its path is compiled in.
const playback::Timeline& clip_timeline() {
  static const playback::Timeline t = playback::Timeline::of_file(ZC_FUZZ_CLIP);
  return t;
}

class ControlSink : public playback::FrameSink {
 public:
  ControlSink() : name_("zc_fuzz_pb_" + std::to_string(::getpid())) {
    fifo::PlaybackWriter::remove(name_);
    fifo::PlaybackFifoOptions o;
    o.data_bytes = 64 * 1024;
    writer_ = std::make_unique<fifo::PlaybackWriter>(fifo::PlaybackWriter::create(name_, o));
    const int fd = ::shm_open(("/zcrec." + name_).c_str(), O_RDWR | O_CLOEXEC, 0);
    ZC_FUZZ_CHECK(fd >= 0);
    void* m = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    ZC_FUZZ_CHECK(m != MAP_FAILED);
    header_ = static_cast<fifo::layout::Header*>(m);
  }

  ~ControlSink() override {
    ::munmap(header_, 4096);
    writer_.reset();
    fifo::PlaybackWriter::remove(name_);  // libFuzzer ends with exit(): leave nothing in /dev/shm
  }
  ControlSink(const ControlSink&) = delete;
  ControlSink& operator=(const ControlSink&) = delete;

  void start(fuzz::Bytes* in) {
    in_ = in;
    auto& c = header_->control;
    c.request_generation = 0;
    c.ack_generation = 0;
    c.command = 0;
    c.arg_i64 = 0;
    c.ack_seq = 0;
    resumed_ = false;
    frames_ = 0;
    info_tracks_ = 0;
  }

  void stream_info(const fifo::StreamInfo& info) override { info_tracks_ = info.tracks.size(); }
  void frame(const fifo::FrameMeta& meta, std::span<const std::byte> payload) override {
    ZC_FUZZ_CHECK(meta.track < info_tracks_);
    ZC_FUZZ_CHECK(!payload.empty() || (meta.flags & fifo::frame_flag::end_of_stream) != 0);
    ++frames_;
  }
  void end() override {}
  bool wait_until(std::chrono::steady_clock::time_point) override { return true; }  // time is not the subject

  std::optional<fifo::ControlRequest> poll_control() override {
    auto& c = header_->control;
    if (!in_->empty()) {
      switch (in_->take<uint8_t>() % 3) {
        case 0: break;  // nothing new
        case 1: {       // a reader's request, any command value, any argument
          const uint32_t command = in_->take<uint8_t>() % 6;
          fifo::playback_control::publish(c, static_cast<fifo::ControlCommand>(command), in_->take<int64_t>());
          break;
        }
        case 2:  // a reader that writes the words itself, in any order and with any values
          c.request_generation = in_->take<uint64_t>();
          c.command = in_->take<uint32_t>();
          c.arg_i64 = in_->take<int64_t>();
          c.ack_generation = in_->take<uint64_t>();
          break;
      }
    } else if (!resumed_) {  // the input is spent: let a paused player go on to the end
      resumed_ = true;
      fifo::playback_control::publish(c, fifo::ControlCommand::resume, 0);
    }
    return writer_->poll_control();
  }
  void acknowledge(const fifo::ControlRequest& r) override {
    writer_->acknowledge(r);
    ZC_FUZZ_CHECK(!writer_->poll_control() || header_->control.request_generation != r.generation);
  }

  uint64_t frames() const { return frames_; }

 private:
  std::string name_;
  std::unique_ptr<fifo::PlaybackWriter> writer_;
  fifo::layout::Header* header_ = nullptr;
  fuzz::Bytes* in_ = nullptr;
  bool resumed_ = false;
  uint64_t frames_ = 0;
  size_t info_tracks_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return -1;  // each poll takes a few bytes: longer inputs only replay the clip more often
  static ControlSink sink;
  fuzz::Bytes in(data, size);
  const uint8_t mode = in.take<uint8_t>();
  playback::PlayOptions o;
  o.max = true;  // no pacing: the player's clock is not what is fuzzed
  o.keyframes_only = (mode & 1) != 0;
  o.reverse = (mode & 2) != 0;
  o.audio = (mode & 4) != 0;
  sink.start(&in);
  try {
    playback::Player player(clip_timeline(), o);
    const auto result = player.run(sink);
    ZC_FUZZ_CHECK(result.frames == sink.frames());
  } catch (const playback::PlaybackError& e) {
    ZC_FUZZ_CHECK(e.code() != playback::PlaybackErrc::peer_gone);  // the sink never goes away
  }
  return 0;
}

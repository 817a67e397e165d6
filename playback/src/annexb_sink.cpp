// FrameSink into a byte stream: the video track's access units back to back, which is an Annex-B elementary
// stream (MediaSource hands out Annex-B with parameter sets in front of every keyframe).
#include <zc/playback/error.h>
#include <zc/playback/frame_sink.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace zc::playback {
namespace {

class AnnexbSink final : public FrameSink {
 public:
  explicit AnnexbSink(int fd) : fd_(fd) {}

  void stream_info(const fifo::StreamInfo& info) override {
    const auto* v = info.first_of(fifo::MediaKind::video);
    video_track_ = v != nullptr ? static_cast<int64_t>(v->track_id) : -1;
  }

  void frame(const fifo::FrameMeta& meta, std::span<const std::byte> payload) override {
    if (static_cast<int64_t>(meta.track) != video_track_) return;
    const auto* p = payload.data();
    size_t left = payload.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw PlaybackError(errno == EPIPE ? PlaybackErrc::peer_gone : PlaybackErrc::output_failed,
                            std::string("writing the video stream: ") + std::strerror(errno));
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
  }

  void end() override {}

 private:
  int fd_;
  int64_t video_track_ = -1;
};

}  // namespace

std::unique_ptr<FrameSink> make_annexb_sink(int fd) { return std::make_unique<AnnexbSink>(fd); }

}  // namespace zc::playback

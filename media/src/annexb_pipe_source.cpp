#include <zc/media/annexb_pipe.h>

#include "access_unit_splitter.h"
#include "video_track.h"

#include <zc/fifo/unique_fd.h>
#include <zc/media/error.h>
#include <zc/media/ffmpeg_ptr.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

namespace zc::media {

namespace {

// One read(2) asks for at least this much: a pipe hands over whatever it holds (one camera frame, or several
// after a stall) in one call, where libavformat's raw demuxers take 1 KiB per call.
constexpr size_t kReadBytes = 64 * 1024;

std::string errno_text(const std::string& what, int err) { return what + ": " + std::strerror(err); }

// The pipe while libavformat probes it: every byte libavformat reads is kept, so that the native splitter can
// start from the first byte of the stream.
class ProbeTap {
 public:
  explicit ProbeTap(fifo::UniqueFd fd) : fd_(std::move(fd)) {}

  int read(uint8_t* buf, int size) {
    for (;;) {
      const ssize_t n = ::read(fd_.get(), buf, static_cast<size_t>(size));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return AVERROR(errno);
      if (recording_) kept_.insert(kept_.end(), buf, buf + n);
      return static_cast<int>(n);
    }
  }

  // libavformat keeps the source: forget what was kept, keep nothing more.
  void stop_recording() {
    recording_ = false;
    std::vector<uint8_t>().swap(kept_);
  }

  fifo::UniqueFd take_fd() { return std::move(fd_); }
  std::vector<uint8_t> take_kept() { return std::move(kept_); }

 private:
  fifo::UniqueFd fd_;
  bool recording_ = true;
  std::vector<uint8_t> kept_;
};

class AnnexbPipeSource final : public PacketSource {
 public:
  AnnexbPipeSource(std::string url, fifo::StreamInfo info, RawVideoTiming timing, fifo::UniqueFd fd,
                   std::span<const uint8_t> already_read)
      : url_(std::move(url)),
        info_(std::move(info)),
        fd_(std::move(fd)),
        splitter_(info_.tracks.at(0).codec),
        video_(info_.tracks[0].codec, info_.tracks[0].config,
               RawTimestamps(info_.tracks[0].codec, timing.frame_duration, timing.reorder_delay)) {
    const fifo::Rational tb = info_.tracks[0].time_base;
    video_.compute_durations({timing.demuxer_rate.num, timing.demuxer_rate.den}, {tb.num, tb.den});
    splitter_.append(already_read);
  }

  const fifo::StreamInfo& stream_info() const noexcept override { return info_; }

  bool read(MediaPacket& out) override {
    for (;;) {
      if (splitter_.next(out.data) || (at_end_ && splitter_.finish(out.data))) {
        finish(out);
        return true;
      }
      if (at_end_) return false;
      const std::span<uint8_t> room = splitter_.space(kReadBytes);
      const ssize_t n = ::read(fd_.get(), room.data(), room.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw MediaError(MediaErrc::io, errno_text("reading '" + url_ + "'", errno));
      if (n == 0) at_end_ = true;
      splitter_.commit(static_cast<size_t>(n));
    }
  }

 private:
  void finish(MediaPacket& out) {
    fifo::TrackInfo& ti = info_.tracks[0];
    out.track = ti.track_id;
    out.params_changed = false;
    out.discontinuity = false;
    out.corrupt = false;
    out.capture_wall_ns = 0;
    out.capture_mono_ns = 0;
    video_.finish(out.data, std::nullopt, ti, out);
  }

  std::string url_;
  fifo::StreamInfo info_;
  fifo::UniqueFd fd_;
  AccessUnitSplitter splitter_;
  VideoTrack video_;
  bool at_end_ = false;
};

fifo::UniqueFd open_pipe(const std::string& path) {
  const int fd = path == "-" ? ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw MediaError(MediaErrc::open_failed, errno_text("cannot open '" + path + "'", errno));
  return fifo::UniqueFd(fd);
}

}  // namespace

std::unique_ptr<PacketSource> open_live_pipe(const std::string& path, const SourceOptions& options,
                                             PipeDemuxer demuxer) {
  // libavformat's name for stdin, so that its probe and its messages are those of `zcrec feed -` before.
  const std::string url = path == "-" ? "pipe:0" : path;
  if (demuxer == PipeDemuxer::libavformat) return std::make_unique<MediaSource>(url, options);

  auto tap = std::make_shared<ProbeTap>(open_pipe(path));
  SourceOptions probing = options;
  probing.read_bytes = [tap](uint8_t* buf, int size) { return tap->read(buf, size); };
  auto probe = std::make_unique<MediaSource>(url, probing);
  const std::optional<RawVideoTiming> timing = probe->raw_video_timing();
  if (!timing || probe->stream_info().tracks.size() != 1) {
    tap->stop_recording();
    return probe;
  }
  // libavformat has only probed: its packets so far are dropped with it, and the splitter starts again from the
  // first byte it read.
  fifo::StreamInfo info = probe->stream_info();
  probe.reset();
  const std::vector<uint8_t> kept = tap->take_kept();
  return std::make_unique<AnnexbPipeSource>(url, std::move(info), *timing, tap->take_fd(), kept);
}

}  // namespace zc::media

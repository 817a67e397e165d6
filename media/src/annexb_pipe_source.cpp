#include <zc/media/annexb_pipe.h>

#include "access_unit_splitter.h"
#include "video_track.h"

#include <zc/fifo/unique_fd.h>
#include <zc/media/batch_schedule.h>
#include <zc/media/error.h>
#include <zc/media/ffmpeg_ptr.h>

#include <zc/fifo/rescale.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace zc::media {

namespace {

// One read(2) asks for at least this much: a pipe hands over whatever it holds (one camera frame, or several
// after a stall) in one call, where libavformat's raw demuxers take 1 KiB per call.
constexpr size_t kReadBytes = 64 * 1024;

std::string errno_text(const std::string& what, int err) { return what + ": " + std::strerror(err); }

// Batched reads (SourceOptions::may_batch; docs/ingest.md, "Batched reads"): a pipe is asked for this much capacity
// when batching starts (best effort: the default 64 KiB holds ~100 ms of a 4 Mb/s camera, no more).
constexpr int kBatchPipeBytes = 1 << 20;

// What the descriptor can hold unread: a pipe's capacity, a socket's receive buffer; 0 when it cannot say (a
// device), which rules batching out.
int64_t unread_capacity(int fd) {
  if (const int pipe = ::fcntl(fd, F_GETPIPE_SZ); pipe > 0) return pipe;
  int bytes = 0;
  socklen_t len = sizeof bytes;
  if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, &len) == 0 && bytes > 0) return bytes;
  return 0;
}

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
                   std::span<const uint8_t> already_read, const fifo::Clock* clock, std::function<bool()> may_batch)
      : url_(std::move(url)),
        info_(std::move(info)),
        fd_(std::move(fd)),
        clock_(clock),
        // Only a descriptor that can say what it holds unread is read in batches (not a device).
        batches_(
            clock,
            may_batch ? std::function<bool()>([this, may_batch] {
              return may_batch() && (capacity_ = unread_capacity(fd_.get())) > 0;
            })
                      : nullptr,
            [this] {
              if (capacity_ < kBatchPipeBytes && ::fcntl(fd_.get(), F_SETPIPE_SZ, kBatchPipeBytes) > 0)
                capacity_ = unread_capacity(fd_.get());
            }),
        splitter_(info_.tracks.at(0).codec),
        video_(info_.tracks[0].codec, info_.tracks[0].config,
               RawTimestamps(info_.tracks[0].codec, timing.frame_duration, timing.reorder_delay)) {
    const fifo::Rational tb = info_.tracks[0].time_base;
    video_.compute_durations({timing.demuxer_rate.num, timing.demuxer_rate.den}, {tb.num, tb.den});
    splitter_.append(already_read);
    if (timing.frame_duration > 0) frame_ns_ = fifo::to_ns(timing.frame_duration, tb);
  }

  const fifo::StreamInfo& stream_info() const noexcept override { return info_; }

  bool read(MediaPacket& out) override {
    for (;;) {
      if (!batch_.empty()) {
        std::swap(out.data, batch_.front().first);
        const int64_t arrival = batch_.front().second;
        batch_.pop_front();
        finish(out);
        // Both clocks, or the ring would stamp the moment of writing (the same for a whole batch).
        out.capture_mono_ns = arrival;
        out.capture_wall_ns = clock_->wall_ns() - (clock_->mono_ns() - arrival);
        return true;
      }
      if (splitter_.next(out.data) || (at_end_ && splitter_.finish(out.data))) {
        finish(out);
        return true;
      }
      if (at_end_) return false;
      if (batches_.wanted()) {
        read_batch();
        continue;
      }
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

  // Sleeps until the batch is due, reads what the pipe holds (waiting for a first byte only if it holds none),
  // and splits it into access units stamped with their arrival: the newest at the read, each older one a frame
  // duration earlier, never before the previous read.
  void read_batch() {
    batches_.sleep_until_due();
    int available = 0;
    if (::ioctl(fd_.get(), FIONREAD, &available) != 0) available = 0;
    const std::span<uint8_t> room = splitter_.space(std::max<size_t>(kReadBytes, static_cast<size_t>(available)));
    ssize_t n;
    do {
      n = ::read(fd_.get(), room.data(), available > 0 ? static_cast<size_t>(available) : room.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw MediaError(MediaErrc::io, errno_text("reading '" + url_ + "'", errno));
    if (n == 0) at_end_ = true;
    splitter_.commit(static_cast<size_t>(n));
    const int64_t now = clock_->mono_ns();
    const size_t first = batch_.size();
    std::vector<uint8_t> au;
    while (splitter_.next(au)) batch_.emplace_back(std::move(au), 0), au = {};
    const size_t count = batch_.size() - first;
    for (size_t i = 0; i < count; ++i)
      batch_[first + i].second =
          std::max(now - static_cast<int64_t>(count - 1 - i) * frame_ns_, batches_.last_read_ns());
    batches_.batch_read(now, static_cast<uint64_t>(n), capacity_);
  }

  std::string url_;
  fifo::StreamInfo info_;
  fifo::UniqueFd fd_;
  const fifo::Clock* clock_;  // SourceOptions::clock: batching needs it (arrival times)
  int64_t capacity_ = 0;      // what the descriptor holds unread (batching only)
  BatchSchedule batches_;
  int64_t frame_ns_ = 40'000'000;       // the stream's frame duration (25 fps unless it says)
  std::deque<std::pair<std::vector<uint8_t>, int64_t>> batch_;  // access units read in a batch, with their arrival
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
  return std::make_unique<AnnexbPipeSource>(url, std::move(info), *timing, tap->take_fd(), kept, options.clock,
                                            options.may_batch);
}

}  // namespace zc::media

// `zcrec bench pace FILE FIFO [--phase-ms MS]` (hidden): a camera for `bench serve`. It writes FILE's access
// units into the named pipe FIFO at the times their timestamps say, looping the file with the timeline going on,
// as a camera delivers frames: it never waits for a slow reader. When the reader falls more than a second behind,
// the frames are dropped up to the next keyframe (counted: what a live camera would lose). A reader that closes
// the pipe (an ingest restart) is waited for again and fed from the next keyframe. SIGTERM/SIGINT end it; it
// then prints one JSON line: frames, dropped, reopens, max_late_ms.
#include "commands_internal.h"
#include "serve.h"

#include <zc/fifo/clock.h>
#include <zc/media/source.h>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace zc::bench {
namespace {

struct AccessUnit {
  std::vector<uint8_t> bytes;
  double t = 0;  // seconds from the file's first frame
  bool keyframe = false;
};

struct Clip {
  std::vector<AccessUnit> units;
  double length_s = 0;  // one loop
};

Clip load_clip(const std::string& file) {
  media::SourceOptions so;
  so.audio = false;
  media::MediaSource src(file, so);
  const auto* video = src.stream_info().first_of(fifo::MediaKind::video);
  if (video == nullptr) throw std::runtime_error(file + " has no video");
  const double tb = static_cast<double>(video->time_base.num) / video->time_base.den;
  Clip c;
  media::MediaPacket p;
  double first = 0;
  while (src.read(p)) {
    if (p.track != video->track_id) continue;
    const double t = static_cast<double>(p.dts) * tb;
    if (c.units.empty()) first = t;
    c.units.push_back({p.data, t - first, p.keyframe});
  }
  if (c.units.size() < 2 || !c.units.front().keyframe)
    throw std::runtime_error(file + ": needs two frames, the first a keyframe");
  // One loop lasts up to the last frame's end; frames are evenly spaced in a camera's stream.
  c.length_s = c.units.back().t * static_cast<double>(c.units.size()) / static_cast<double>(c.units.size() - 1);
  return c;
}

class Pacer {
 public:
  Pacer(std::string fifo, Clip clip, double phase_s) : fifo_(std::move(fifo)), clip_(std::move(clip)), phase_s_(phase_s) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGPIPE);  // a reader that went away is EPIPE, not death
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    sigdelset(&set, SIGPIPE);
    sigfd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sigfd_ < 0) throw std::runtime_error(std::string("signalfd: ") + std::strerror(errno));
  }
  ~Pacer() {
    if (fd_ >= 0) ::close(fd_);
    ::close(sigfd_);
  }
  Pacer(const Pacer&) = delete;
  Pacer& operator=(const Pacer&) = delete;

  void run() {
    if (!open_fifo()) return;
    // The camera's clock starts when the first reader is there (zcrecd or ffmpeg may start after the pacer).
    start_ns_ = clock_.mono_ns() + static_cast<int64_t>(phase_s_ * 1e9);
    bool skipping = false;
    for (int64_t i = 0;; ++i) {
      const AccessUnit& au = clip_.units[static_cast<size_t>(i % static_cast<int64_t>(clip_.units.size()))];
      const double loop = std::floor(static_cast<double>(i / static_cast<int64_t>(clip_.units.size())));
      const int64_t due = start_ns_ + static_cast<int64_t>((loop * clip_.length_s + au.t) * 1e9);
      if (!sleep_until(due)) return;
      const double late_ms = static_cast<double>(clock_.mono_ns() - due) / 1e6;
      if (late_ms > 1000) skipping = true;
      if (skipping && au.keyframe && late_ms <= 1000) skipping = false;
      if (skipping) {
        ++dropped_;
        continue;
      }
      max_late_ms_ = std::max(max_late_ms_, late_ms);
      switch (write_all(au.bytes)) {
        case Write::ok: ++frames_; break;
        case Write::stopped: return;
        case Write::reader_gone:
          ++reopens_;
          ::close(fd_);
          fd_ = -1;
          if (!open_fifo()) return;
          skipping = true;  // the new reader starts at a keyframe
          break;
      }
    }
  }

  nlohmann::json report() const {
    return {{"frames", frames_}, {"dropped", dropped_}, {"reopens", reopens_}, {"max_late_ms", max_late_ms_}};
  }

 private:
  enum class Write { ok, stopped, reader_gone };

  bool stop_requested() {
    signalfd_siginfo info;
    return ::read(sigfd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info);
  }

  // Non-blocking open fails with ENXIO until a reader has the pipe open; poll for one, and for a stop.
  bool open_fifo() {
    for (;;) {
      fd_ = ::open(fifo_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd_ >= 0) {
        // zcrec feed paces a file source by its timestamps from its first frame on, so it stays behind the
        // camera by however long it probed the stream: a pipe of 1 MiB (~2 s of this stream) holds that lag,
        // as a camera's socket buffer and the network would, without the camera waiting.
        ::fcntl(fd_, F_SETPIPE_SZ, 1 << 20);
        return true;
      }
      if (errno != ENXIO) throw std::runtime_error("cannot open " + fifo_ + ": " + std::strerror(errno));
      pollfd p{sigfd_, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0 && stop_requested()) return false;
    }
  }

  bool sleep_until(int64_t due) {
    for (;;) {
      const int64_t wait = due - clock_.mono_ns();
      if (wait <= 0) return true;
      timespec ts{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
      pollfd p{sigfd_, POLLIN, 0};
      if (::ppoll(&p, 1, &ts, nullptr) > 0 && stop_requested()) return false;
    }
  }

  Write write_all(const std::vector<uint8_t>& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EPIPE) return Write::reader_gone;
      if (n < 0 && errno != EAGAIN && errno != EINTR) throw std::runtime_error("write to " + fifo_ + ": " + std::strerror(errno));
      pollfd p[2] = {{fd_, POLLOUT, 0}, {sigfd_, POLLIN, 0}};
      ::poll(p, 2, -1);
      if ((p[1].revents & POLLIN) && stop_requested()) return Write::stopped;
      if (p[0].revents & (POLLERR | POLLHUP)) return Write::reader_gone;
    }
    return Write::ok;
  }

  const fifo::SystemClock clock_;  // the pacing command's one clock: the camera's schedule is on its mono_ns
  std::string fifo_;
  Clip clip_;
  double phase_s_;
  int sigfd_ = -1;
  int fd_ = -1;
  int64_t start_ns_ = 0;
  int64_t frames_ = 0, dropped_ = 0, reopens_ = 0;
  double max_late_ms_ = 0;
};

struct PaceArgs {
  std::string file, fifo;
  double phase_ms = 0;
};

}  // namespace

PacerReport read_pacer_report(const std::filesystem::path& stdout_file) {
  std::ifstream in(stdout_file);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  PacerReport r;
  const auto j = nlohmann::json::parse(last, nullptr, false);
  if (!j.is_object()) return r;
  r.frames = j.value("frames", int64_t{0});
  r.dropped = j.value("dropped", int64_t{0});
  r.reopens = j.value("reopens", int64_t{0});
  r.max_late_ms = j.value("max_late_ms", 0.0);
  r.read = true;
  return r;
}

void add_pace_command(CLI::App& bench) {
  auto a = std::make_shared<PaceArgs>();
  auto* cmd = bench.add_subcommand("pace", "(for bench serve) write FILE's access units into FIFO in real time");
  cmd->group("");  // a helper process of `bench serve`, not a benchmark
  cmd->add_option("FILE", a->file, "Annex-B H.264/H.265 (any file libavformat opens)")->required();
  cmd->add_option("FIFO", a->fifo, "named pipe to write")->required();
  cmd->add_option("--phase-ms", a->phase_ms, "start this much later than the reader's arrival (unsynchronised cameras)");
  cmd->callback([a] {
    Pacer p(a->fifo, load_clip(a->file), a->phase_ms / 1e3);
    p.run();
    std::cout << p.report().dump() << std::endl;
  });
}

}  // namespace zc::bench

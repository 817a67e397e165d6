#include "serve.h"

#include <zc/fifo/clock.h>
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>
#include <stdexcept>

namespace zc::bench {
namespace fs = std::filesystem;

namespace {

constexpr int kCamerasPerRelay = 8;

std::string relay_ring(int k) { return "zsbr" + std::to_string(::getpid()) + "_" + std::to_string(k); }

// The `serving URL` lines of `zcrec serve`, once it has printed one per ring.
std::vector<std::string> wait_serving(const fs::path& out, pid_t pid, size_t rings) {
  const fifo::SystemClock clock;  // the one clock (zc/fifo/clock.h)
  static const std::regex line(R"(serving (rtsp://\S+))");
  const auto until = clock.mono() + std::chrono::seconds(30);
  for (;;) {
    std::ifstream in(out);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> urls;
    for (std::sregex_iterator it(text.begin(), text.end(), line), end; it != end; ++it) urls.push_back((*it)[1].str());
    if (urls.size() >= rings) return urls;
    if (::kill(pid, 0) != 0 || clock.mono() > until)
      throw std::runtime_error("zcrec serve did not start serving (see " + out.parent_path().string() + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// A relay ring is worth connecting to once it holds a track and a keyframe (before, the server answers 503).
void wait_streaming(const std::string& ring, const fs::path& dir) {
  const fifo::SystemClock clock;  // the one clock (zc/fifo/clock.h)
  const auto until = clock.mono() + std::chrono::seconds(30);
  for (;;) {
    try {
      const auto st = fifo::RingReader::inspect(ring);
      if (!st.info.tracks.empty() && st.frames_written > 30) return;
    } catch (const fifo::FifoError&) {
    }
    if (clock.mono() > until) throw std::runtime_error("relay ring " + ring + " got no stream (see " + dir.string() + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

std::string camera_name(int i) {
  char b[16];
  std::snprintf(b, sizeof b, "c%03d", i);
  return b;
}

BenchCameras::BenchCameras(const ServeOptions& o, const fs::path& dir) : dir_(dir), source_(o.source) {
  fs::create_directories(dir_);
  const int pacers = source_ == CameraSource::pipe ? o.cameras : (o.cameras + kCamerasPerRelay - 1) / kCamerasPerRelay;
  try {
    for (int i = 0; i < pacers; ++i) {
      const fs::path fifo = dir_ / (camera_name(i) + ".h264");
      if (::mkfifo(fifo.c_str(), 0600) != 0) throw std::runtime_error("mkfifo " + fifo.string() + ": " + std::strerror(errno));
      fifos_.push_back(fifo);
      // Spread the keyframes over one second, as unsynchronised cameras would.
      const std::string phase = std::to_string(1000 * i / std::max(1, pacers));
      pacers_.push_back(spawn_logged({o.zcrec.string(), "bench", "pace", o.input.string(), fifo.string(), "--phase-ms", phase},
                                     dir_ / (camera_name(i) + ".pace.out"), dir_ / (camera_name(i) + ".pace.err")));
    }
    if (source_ == CameraSource::pipe) return;
    std::vector<std::string> serve{o.zcrec.string(), "serve", "--listen", "127.0.0.1:0", "--max-clients",
                                   std::to_string(kCamerasPerRelay)};
    for (int k = 0; k < pacers; ++k) {
      relays_.push_back(spawn_logged({o.zcrec.string(), "feed", fifos_[static_cast<size_t>(k)].string(), "-s", relay_ring(k)},
                                     dir_ / ("relay" + std::to_string(k) + ".out"), dir_ / ("relay" + std::to_string(k) + ".err")));
      serve.push_back(relay_ring(k));
    }
    for (int k = 0; k < pacers; ++k) wait_streaming(relay_ring(k), dir_);
    const fs::path serve_out = dir_ / "serve.out";
    relays_.push_back(spawn_logged(serve, serve_out, dir_ / "serve.err"));
    urls_ = wait_serving(serve_out, relays_.back(), static_cast<size_t>(pacers));
  } catch (...) {
    stop();
    throw;
  }
}

BenchCameras::~BenchCameras() {
  try {
    stop();
  } catch (const std::exception&) {
  }
}

std::string BenchCameras::source(int camera) const {
  if (source_ == CameraSource::pipe) return fifos_[static_cast<size_t>(camera)].string();
  return urls_[static_cast<size_t>(camera / kCamerasPerRelay)];
}

std::vector<std::string> BenchCameras::ffmpeg_input(int camera) const {
  if (source_ == CameraSource::pipe) return {"-f", "h264", "-i", source(camera)};
  return {"-rtsp_transport", "tcp", "-i", source(camera)};
}

void BenchCameras::stop(ServeResult* r) {
  for (pid_t p : pacers_) ::kill(p, SIGTERM);
  for (size_t i = 0; i < pacers_.size(); ++i) {
    stop_child(pacers_[i], std::chrono::seconds(5));
    if (r == nullptr) continue;
    const auto rep = read_pacer_report(dir_ / (camera_name(static_cast<int>(i)) + ".pace.out"));
    if (!rep.read) throw std::runtime_error("pacer " + std::to_string(i) + " left no report (" + dir_.string() + ")");
    r->pacer_frames += rep.frames;
    r->pacer_dropped += rep.dropped;
    r->pacer_reopens += rep.reopens;
    r->pacer_max_late_ms = std::max(r->pacer_max_late_ms, rep.max_late_ms);
  }
  pacers_.clear();
  for (pid_t p : relays_) stop_child(p, std::chrono::seconds(5));
  if (!relays_.empty())
    for (size_t k = 0; k < fifos_.size(); ++k) {
      try {
        fifo::RingWriter::remove(relay_ring(static_cast<int>(k)));
      } catch (const fifo::FifoError&) {
      }
    }
  relays_.clear();
}

}  // namespace zc::bench

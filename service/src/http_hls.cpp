#include "http_hls.h"

#include "http_errors.h"
#include "http_request.h"
#include "ring_follower.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/recorder/error.h>
#include <zc/recorder/live_hls.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace zc::service::http {

namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kReadWait{200};

// One camera's segmenter: a thread reads the ring (woken at keyframes: a segment is a GOP, so nothing is gained
// by waking per frame) into a LiveHls; requests read its window under the mutex.
class Segmenter {
 public:
  Segmenter(fifo::RingReader reader, const fifo::Clock& clock)
      : reader_(std::move(reader)),
        clock_(clock),
        hls_(reader_.refresh_stream_info(), kHlsWindow),
        last_request_ns_(clock_.mono_ns()) {
    thread_ = std::thread([this] { run(); });
  }
  Segmenter(const Segmenter&) = delete;
  Segmenter& operator=(const Segmenter&) = delete;
  ~Segmenter() {
    stopping_ = true;
    thread_.join();
  }

  bool ended() const { return ended_; }

  // The playlist once it lists at least `min_segments` (or the stream ended, or `wait` passed: nullopt).
  std::optional<std::string> playlist(size_t min_segments, std::chrono::milliseconds wait, std::string& why) {
    std::unique_lock lock(mutex_);
    last_request_ns_ = clock_.mono_ns();
    // Requests that wait hold a media worker each: a camera that sends nothing must not hold them all (the
    // other cameras' snapshots and clips wait behind them). Past kMaxWaiters, a request does not wait.
    if (hls_.segments().size() < min_segments && waiters_ >= kMaxWaiters) {
      why = "the camera has no segment yet and " + std::to_string(waiters_) + " requests already wait for one";
      return std::nullopt;
    }
    ++waiters_;
    cv_.wait_for(lock, wait, [&] { return hls_.segments().size() >= min_segments || ended_; });
    --waiters_;
    if (hls_.segments().size() < min_segments) {
      why = ended_ ? end_reason_ : "no segment yet (the camera's GOP is longer than the wait?)";
      return std::nullopt;
    }
    return hls_.playlist("hls/");
  }
  // nullptr with `why` when there is none: an older generation (the tracks changed since) or one that never was.
  std::shared_ptr<const std::string> init(uint64_t generation, std::string& why) {
    std::lock_guard lock(mutex_);
    last_request_ns_ = clock_.mono_ns();
    auto bytes = hls_.init(generation);
    if (!bytes) {
      const uint64_t current = hls_.generation();
      why = generation < current ? "initialisation segment " + std::to_string(generation) +
                                       " is gone: the stream's tracks changed since (the playlist names init-" +
                                       std::to_string(current) + ".mp4)"
                                 : "no initialisation segment " + std::to_string(generation) +
                                       " (the playlist names init-" + std::to_string(current) + ".mp4)";
    }
    return bytes;
  }
  std::shared_ptr<const std::string> segment(uint64_t sequence) {
    std::lock_guard lock(mutex_);
    last_request_ns_ = clock_.mono_ns();
    const auto* s = hls_.segment(sequence);
    return s != nullptr ? s->bytes : nullptr;
  }

 private:
  void end(std::string reason) {
    std::lock_guard lock(mutex_);
    end_reason_ = std::move(reason);
    ended_ = true;
    cv_.notify_all();
  }

  void run() {
    try {
      fifo::Frame frame;
      RingFollower follow(kReadWait, clock_);
      std::string ended;
      while (!stopping_) {
        bool idle = false;
        {
          std::lock_guard lock(mutex_);
          idle = clock_.mono_ns() - last_request_ns_ > std::chrono::nanoseconds(kHlsIdle).count();
        }
        // end() takes the mutex itself: called under it, the segmenter deadlocked and with it every request
        // for the camera, then the media workers, then the shutdown (found by an attacker trial).
        if (idle) return end("no request for " + std::to_string(kHlsIdle.count()) + " s");
        const auto step = follow.next(reader_, frame, ended);
        if (step == RingFollower::Step::ended) return end(ended);
        if (step != RingFollower::Step::frame) continue;
        const auto& h = frame.header;
        const fifo::StreamInfo& info = h.info_changed ? reader_.refresh_stream_info() : reader_.stream_info();
        std::lock_guard lock(mutex_);
        const size_t before = hls_.segments().empty() ? 0 : hls_.segments().back().sequence + 1;
        if (h.lost_before > 0 || (h.flags & fifo::frame_flag::discontinuity) != 0) hls_.skip();
        hls_.write(info, h, std::as_bytes(std::span(frame.payload)));
        const size_t after = hls_.segments().empty() ? 0 : hls_.segments().back().sequence + 1;
        if (after != before) cv_.notify_all();
      }
    } catch (const std::exception& e) {
      end(e.what());
    }
  }

  static constexpr int kMaxWaiters = 2;

  fifo::RingReader reader_;
  const fifo::Clock& clock_;  // the service's
  std::mutex mutex_;
  std::condition_variable cv_;
  int waiters_ = 0;  // playlist requests waiting for segments (under mutex_)
  recorder::LiveHls hls_;
  int64_t last_request_ns_;
  std::string end_reason_;
  std::atomic<bool> ended_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// At most one segmenter per camera; one that ended (idle, camera gone) is replaced at the next playlist request.
class Segmenters {
 public:
  explicit Segmenters(const fifo::Clock& clock) : clock_(clock) {}
  std::shared_ptr<Segmenter> find(const std::string& camera) {
    std::lock_guard lock(mutex_);
    auto it = by_camera_.find(camera);
    return it == by_camera_.end() || it->second->ended() ? nullptr : it->second;
  }
  std::shared_ptr<Segmenter> find_or_start(const std::string& camera, const std::string& ring) {
    std::lock_guard lock(mutex_);
    auto& s = by_camera_[camera];
    if (s && !s->ended()) return s;
    s.reset();  // joins the ended one's thread
    try {
      fifo::ReaderOptions options;
      options.start = fifo::StartAt::newest_keyframe;
      options.on_lapped = fifo::OnLapped::newest_keyframe;
      options.wake.on = fifo::WakeOn::keyframe;
      s = std::make_shared<Segmenter>(fifo::RingReader::open(ring, options), clock_);
    } catch (const fifo::FifoError& e) {
      throw HttpError(503, "camera " + camera + " has no live stream: " + e.what());
    } catch (const recorder::RecorderError& e) {
      throw HttpError(503, "camera " + camera + " cannot be served as HLS: " + e.what());
    }
    return s;
  }

 private:
  const fifo::Clock& clock_;  // the service's
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Segmenter>> by_camera_;
};

uint64_t number(const std::string& s) { return std::stoull(s); }  // the route's pattern bounds it to 18 digits

}  // namespace

void register_hls_routes(Router& router, Service& service) {
  auto segmenters = std::make_shared<Segmenters>(service.clock());
  const std::string camera = std::string("/api/v1/cameras/(") + kCameraNamePattern + ")";

  router.get(
      camera + "/live\\.m3u8",
      [&service, segmenters](const Request& req, Response& res) {
        refuse_query(req.query);
        const std::string name = req.matches[1];
        const ServiceConfig config = service.config();
        const CameraConfig* c = config.camera(name);
        if (c == nullptr) throw HttpError(404, "no camera " + name);
        auto s = segmenters->find_or_start(name, config.ring_name(*c));
        std::string why;
        const auto playlist = s->playlist(kHlsFirstSegments, kHlsFirstWait, why);
        if (!playlist) throw HttpError(503, "camera " + name + ": " + why);
        res.status = 200;
        res.set_header("Cache-Control", "no-cache");
        res.set_content(*playlist, "application/vnd.apple.mpegurl");
      },
      Pool::media);

  const auto session = [segmenters](const std::string& name) {
    auto s = segmenters->find(name);
    if (!s) throw HttpError(404, "no HLS stream of " + name + " now: request its live.m3u8 first");
    return s;
  };
  router.get(
      camera + "/hls/init-([0-9]{1,18})\\.mp4",
      [session](const Request& req, Response& res) {
        refuse_query(req.query);
        std::string why;
        const auto init = session(req.matches[1])->init(number(req.matches[2]), why);
        if (!init) throw HttpError(404, why);
        res.status = 200;
        res.set_header("Cache-Control", "max-age=3600");
        res.set_content(*init, "video/mp4");
      },
      Pool::media);
  router.get(
      camera + "/hls/([0-9]{1,18})\\.m4s",
      [session](const Request& req, Response& res) {
        refuse_query(req.query);
        const auto bytes = session(req.matches[1])->segment(number(req.matches[2]));
        if (!bytes) throw HttpError(404, "segment " + req.matches[2] + " is not in the live window");
        res.status = 200;
        res.set_header("Cache-Control", "max-age=60");
        res.set_content(*bytes, "video/iso.segment");
      },
      Pool::media);
}

}  // namespace zc::service::http

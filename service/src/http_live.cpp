#include "http_live.h"

#include "http_errors.h"
#include "http_request.h"
#include "ring_follower.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/recorder/error.h>
#include <zc/recorder/live_mp4.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace zc::service::http {

namespace {

using namespace std::chrono_literals;

// How long a connection's worker waits for bytes before it looks at the server's state again (a stopping
// server ends the response between two waits).
constexpr auto kTakeWait = 200ms;
constexpr auto kReadWait = 200ms;

// One viewer: a thread reads the ring and muxes into a bounded byte queue, the connection's worker takes the
// bytes out. The thread, not the worker, reads the ring, so that it can see the queue fill while the worker is
// stuck in a write to a slow client, and drop frames instead of falling ever further behind.
class LiveViewer {
 public:
  enum class Take { bytes, idle, ended };

  LiveViewer(fifo::RingReader reader, std::shared_ptr<std::atomic<int>> viewers, const fifo::Clock& clock)
      : reader_(std::move(reader)),
        viewers_(std::move(viewers)),
        clock_(clock),
        mp4_(reader_.refresh_stream_info(), [this](const uint8_t* d, size_t n) { return push(d, n); }),
        video_track_(reader_.stream_info().first_of(fifo::MediaKind::video)->track_id) {
    thread_ = std::thread([this] { run(); });
  }
  LiveViewer(const LiveViewer&) = delete;
  LiveViewer& operator=(const LiveViewer&) = delete;
  ~LiveViewer() {
    stopping_ = true;
    cv_.notify_all();
    thread_.join();
    viewers_->fetch_sub(1);
  }

  Take take(std::string& out) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kTakeWait, [this] { return !queue_.empty() || ended_; });
    if (!queue_.empty()) {
      out.swap(queue_);
      queue_.clear();
      return Take::bytes;
    }
    return ended_ ? Take::ended : Take::idle;
  }

  // Video frames not sent because the client was behind (not those the ring lost before the viewer saw them).
  uint64_t frames_dropped() const noexcept { return dropped_; }
  std::string end_reason() {
    std::lock_guard lock(mutex_);
    return end_reason_;
  }

 private:
  bool push(const uint8_t* d, size_t n) {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    if (queue_.empty()) queued_since_mono_ns_ = muxing_mono_ns_;
    queue_.append(reinterpret_cast<const char*>(d), n);
    cv_.notify_all();
    return true;
  }

  // Whether the viewer is behind: too many bytes queued, or queued too long ago in media time.
  bool behind(int64_t frame_mono_ns) {
    std::lock_guard lock(mutex_);
    return queue_.size() > kLiveQueueBytes ||
           (!queue_.empty() && frame_mono_ns - queued_since_mono_ns_ > kLiveMaxLagNs);
  }

  void end(std::string reason) {
    std::lock_guard lock(mutex_);
    end_reason_ = std::move(reason);
    ended_ = true;
    cv_.notify_all();
  }

  void run() {
    try {
      fifo::Frame frame;
      RingFollower follow(std::chrono::duration_cast<std::chrono::milliseconds>(kReadWait), clock_);
      std::string ended;
      while (!stopping_) {
        const auto step = follow.next(reader_, frame, ended);
        if (step == RingFollower::Step::ended) return end(ended);
        if (step != RingFollower::Step::frame) continue;
        const auto& h = frame.header;
        if (h.info_changed && !mp4_.same_tracks(reader_.stream_info()))
          return end("the camera's stream parameters changed");
        if (h.lost_before > 0 || (h.flags & fifo::frame_flag::discontinuity) != 0) mp4_.skip();
        if (behind(h.mono_ns)) {
          mp4_.skip();
          catching_up_ = true;
          if (h.track == video_track_) ++dropped_;
          continue;
        }
        muxing_mono_ns_ = h.mono_ns;  // the capture time of what push() receives now (same thread)
        // Refused: another track, or a video frame before the keyframe the stream resumes at.
        if (mp4_.write(h, std::as_bytes(std::span(frame.payload)))) {
          if (h.track == video_track_) catching_up_ = false;
        } else if (h.track == video_track_ && catching_up_) {
          ++dropped_;
        }
      }
    } catch (const std::exception& e) {
      end(e.what());
    }
  }

  fifo::RingReader reader_;
  std::shared_ptr<std::atomic<int>> viewers_;
  const fifo::Clock& clock_;  // the service's
  recorder::LiveMp4 mp4_;  // throws unless the stream has a video track: video_track_ below is safe
  uint32_t video_track_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::string queue_;
  int64_t queued_since_mono_ns_ = 0;  // capture time of the oldest frame with bytes in queue_ (about: a fragment's)
  int64_t muxing_mono_ns_ = 0;
  bool ended_ = false;
  bool catching_up_ = false;  // dropping for the client until a keyframe is written
  std::string end_reason_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace

namespace {

// The RFC 6381 codecs parameter of a track, for MediaSource.isTypeSupported(): H.264 exactly (profile,
// constraints, level from the SPS), H.265 as its family (browsers decide H.265 support per family).
std::string codecs_of(const fifo::TrackInfo& t) {
  if (t.codec == fifo::Codec::h265) return "hvc1.1.6.L93.B0";
  if (t.codec != fifo::Codec::h264) return std::string(fifo::to_string(t.codec));
  const auto& c = t.config;
  for (size_t i = 0; i + 6 < c.size(); ++i) {
    if (c[i] == 0 && c[i + 1] == 0 && c[i + 2] == 1 && (c[i + 3] & 0x1f) == 7) {
      char text[16];
      std::snprintf(text, sizeof text, "avc1.%02X%02X%02X", c[i + 4], c[i + 5], c[i + 6]);
      return text;
    }
  }
  return "avc1.42E01E";
}

}  // namespace

void register_live_routes(Router& router, Service& service, std::function<void(const std::string&)> log) {
  // What the camera sends, from the ring's stream info (no reader slot taken): the page asks before it tries to
  // play, to tell "this browser cannot decode H.265" from a broken stream.
  const std::string stream_pattern = std::string("/api/v1/cameras/(") + kCameraNamePattern + ")/stream";
  router.get(
      stream_pattern,
      [&service](const Request& req, Response& res) {
        refuse_query(req.query);
        const std::string camera = req.matches[1];
        const ServiceConfig config = service.config();
        const CameraConfig* c = config.camera(camera);
        if (c == nullptr) throw HttpError(404, "no camera " + camera);
        fifo::RingStatus status;
        try {
          status = fifo::RingReader::inspect(config.ring_name(*c));
        } catch (const fifo::FifoError& e) {
          throw HttpError(503, "camera " + camera + " has no live stream: " + e.what());
        }
        const fifo::TrackInfo* video = status.info.first_of(fifo::MediaKind::video);
        if (video == nullptr) throw HttpError(503, "camera " + camera + " has no video yet");
        nlohmann::json j{{"codec", std::string(fifo::to_string(video->codec))},
                         {"codecs", codecs_of(*video)},
                         {"width", video->width},
                         {"height", video->height}};
        if (const auto* audio = status.info.first_of(fifo::MediaKind::audio))
          j["audio_codec"] = std::string(fifo::to_string(audio->codec));
        reply_json(res, 200, dump_json(j));
      },
      Pool::media);

  auto viewers = std::make_shared<std::atomic<int>>(0);
  const std::string pattern = std::string("/api/v1/cameras/(") + kCameraNamePattern + ")/live\\.mp4";
  router.get(
      pattern,
      [&service, viewers, log](const Request& req, Response& res) {
        refuse_query(req.query);
        const std::string camera = req.matches[1];
        const ServiceConfig config = service.config();
        const CameraConfig* c = config.camera(camera);
        if (c == nullptr) throw HttpError(404, "no camera " + camera);
        // A browser that lost the connection asks to resume at its offset: a new stream from a new keyframe
        // would not continue those bytes. 416 makes the element fail at once, and the page starts it again.
        // (After the camera lookup: a request for a camera that does not exist is a 404 whatever its Range.)
        const Ranges ranges = parse_ranges(req.header("Range"));
        if (!ranges.empty() && ranges.front().first > 0)
          throw HttpError(416, "live.mp4 has no byte ranges: request it again from the start");
        if (viewers->fetch_add(1) >= kMaxLiveViewers) {
          viewers->fetch_sub(1);
          throw HttpError(503, "already " + std::to_string(kMaxLiveViewers) + " live viewers; try again later");
        }
        std::shared_ptr<LiveViewer> viewer;
        try {
          fifo::ReaderOptions options;
          options.start = fifo::StartAt::newest_keyframe;
          options.on_lapped = fifo::OnLapped::newest_keyframe;  // a lapped viewer wants now, not the past
          viewer = std::make_shared<LiveViewer>(fifo::RingReader::open(config.ring_name(*c), options), viewers,
                                                service.clock());
        } catch (const fifo::FifoError& e) {
          viewers->fetch_sub(1);
          throw HttpError(503, "camera " + camera + " has no live stream: " + e.what());
        } catch (const recorder::RecorderError& e) {
          viewers->fetch_sub(1);
          throw HttpError(503, "camera " + camera + " has no live video: " + e.what());
        }
        // An endless stream has no byte ranges: a browser's "Range: bytes=0-" gets the whole stream, 200.
        res.status = 200;
        res.set_header("Accept-Ranges", "none");
        res.set_header("Cache-Control", "no-store");
        res.set_chunked_content_provider(
            "video/mp4",
            [viewer](int64_t, Sink& sink) {
              std::string bytes;
              switch (viewer->take(bytes)) {
                case LiveViewer::Take::bytes: return sink.write(bytes.data(), bytes.size());
                case LiveViewer::Take::idle: return true;
                case LiveViewer::Take::ended: sink.done(); return true;
              }
              return false;
            },
            [viewer, camera, log](bool) {
              if (log && viewer->frames_dropped() > 0)
                log("live view of " + camera + ": " + std::to_string(viewer->frames_dropped()) +
                    " frames dropped for a slow client");
              if (const std::string why = viewer->end_reason(); log && !why.empty())
                log("live view of " + camera + " ended: " + why);
            });
      },
      Pool::media);
}

}  // namespace zc::service::http

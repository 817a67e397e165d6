#include "http_snapshot.h"

#include "catalog_pool.h"
#include "http_errors.h"
#include "http_request.h"

#include <zc/catalog/catalog.h>
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/media/error.h>
#include <zc/media/jpeg_snapshot.h>
#include <zc/playback/error.h>
#include <zc/playback/player.h>
#include <zc/units/units.h>

#include <charconv>
#include <chrono>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>

namespace zc::service::http {

namespace {

using namespace std::chrono_literals;

// A live snapshot waits at most this long for the ring's newest keyframe to be readable.
constexpr auto kKeyframeWait = 2s;

// One keyframe and the track it belongs to.
struct Keyframe {
  fifo::TrackInfo video;
  std::vector<uint8_t> access_unit;
  int64_t wall_ns = 0;
};

// The bounds: a camera makes one picture at a time, the daemon kMaxSnapshotDecodes. A request waits for its
// turn at most kSlotWait (a grid asking for 16 tiles at once is served, mostly from LiveCache), then is refused
// with 503: at most the media workers wait, and nothing else queues behind a decode.
constexpr auto kSlotWait = 1s;

class DecodeSlots {
 public:
  class Slot {
   public:
    Slot(DecodeSlots& s, std::shared_ptr<std::timed_mutex> camera) : slots_(s), camera_(std::move(camera)) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() {
      slots_.decodes_.release();
      camera_->unlock();
    }

   private:
    DecodeSlots& slots_;
    std::shared_ptr<std::timed_mutex> camera_;
  };

  std::unique_ptr<Slot> take(const std::string& camera) {
    std::shared_ptr<std::timed_mutex> m;
    {
      std::lock_guard lock(mutex_);
      auto& entry = cameras_[camera];
      if (!entry) entry = std::make_shared<std::timed_mutex>();
      m = entry;
    }
    const auto deadline = std::chrono::steady_clock::now() + kSlotWait;
    if (!m->try_lock_until(deadline)) refuse("a picture of " + camera + " is being made");
    if (!decodes_.try_acquire_until(deadline)) {
      m->unlock();
      refuse("already " + std::to_string(kMaxSnapshotDecodes) + " pictures being made");
    }
    return std::make_unique<Slot>(*this, std::move(m));
  }

 private:
  [[noreturn]] static void refuse(const std::string& why) { throw HttpError(503, why + "; try again in a second"); }

  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<std::timed_mutex>> cameras_;  // one per camera or stream ever pictured
  std::counting_semaphore<kMaxSnapshotDecodes> decodes_{kMaxSnapshotDecodes};
};

struct Picture {
  media::Jpeg jpeg;
  int64_t wall_ns = 0;  // of the keyframe it shows
};

class ThumbnailCache {
 public:
  std::shared_ptr<const Picture> find(int64_t id) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(id);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }
  void put(int64_t id, std::shared_ptr<const Picture> picture) {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(id); it != index_.end()) {
      order_.erase(it->second);
      index_.erase(it);
    }
    order_.emplace_front(id, std::move(picture));
    index_[id] = order_.begin();
    while (order_.size() > kThumbnailCacheEntries) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }
  void drop(int64_t id) {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(id); it != index_.end()) {
      order_.erase(it->second);
      index_.erase(it);
    }
  }

 private:
  using Entry = std::pair<int64_t, std::shared_ptr<const Picture>>;
  std::mutex mutex_;
  std::list<Entry> order_;
  std::map<int64_t, std::list<Entry>::iterator> index_;
};

// The newest live picture of each camera, by keyframe and width: every request between two keyframes (a
// grid refreshing its tiles) gets the same picture without a decode.
class LiveCache {
 public:
  std::shared_ptr<const Picture> find(const std::string& camera, uint64_t keyframe_seq, int width) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(camera);
    if (it == entries_.end() || it->second.seq != keyframe_seq || it->second.width != width) return nullptr;
    return it->second.picture;
  }
  void put(const std::string& camera, uint64_t keyframe_seq, int width, std::shared_ptr<const Picture> p) {
    std::lock_guard lock(mutex_);
    entries_[camera] = Entry{keyframe_seq, width, std::move(p)};
  }

 private:
  struct Entry {
    uint64_t seq = 0;
    int width = 0;
    std::shared_ptr<const Picture> picture;
  };
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

// Takes the video keyframes a player hands out; the last one at or before `at` is the picture.
class KeyframeSink final : public playback::FrameSink {
 public:
  explicit KeyframeSink(int64_t at_wall_ns) : at_(at_wall_ns) {}
  void stream_info(const fifo::StreamInfo& info) override { info_ = info; }
  void frame(const fifo::FrameMeta& meta, std::span<const std::byte> payload) override {
    const fifo::TrackInfo* video = info_.first_of(fifo::MediaKind::video);
    if (video == nullptr || meta.track != video->track_id || (meta.flags & fifo::frame_flag::keyframe) == 0) return;
    if (found_ && meta.wall_ns > at_) return;  // the first keyframe after `at` only stands in when none is before
    const auto* p = reinterpret_cast<const uint8_t*>(payload.data());
    keyframe_ = Keyframe{*video, std::vector<uint8_t>(p, p + payload.size()), meta.wall_ns};
    found_ = true;
  }
  void end() override {}
  bool wait_until(std::chrono::steady_clock::time_point) override { return false; }
  std::optional<Keyframe>& keyframe() { return keyframe_; }

 private:
  int64_t at_;
  fifo::StreamInfo info_;
  std::optional<Keyframe> keyframe_;
  bool found_ = false;
};

// The footage of `stream` around `at`: a 1 ms span, which the player opens at the keyframe at or before it.
// 404 when no footage covers it (never recorded, or removed by retention).
playback::Timeline footage_at(CatalogPool& pool, const std::filesystem::path& storage, const std::string& stream,
                              int64_t at) {
  try {
    const auto catalog = pool.take(storage);
    return playback::Timeline::of_catalog(*catalog, stream, at, at + 1'000'000);
  } catch (const playback::PlaybackError& e) {
    if (e.code() == playback::PlaybackErrc::invalid_argument) throw HttpError(400, e.what());
    if (e.code() == playback::PlaybackErrc::nothing_to_play)
      throw HttpError(404, "no footage of " + stream + " at " + units::format_wall(at));
    throw HttpError(500, e.what());
  } catch (const catalog::CatalogError& e) {
    throw HttpError(503, std::string("the catalog cannot be read: ") + e.what());
  }
}

// The recorded keyframe at or before `at` in `timeline` (from footage_at); 404 when its segments hold none.
Keyframe recorded_keyframe(playback::Timeline timeline, const std::string& stream, int64_t at) {
  // Not keyframes_only: that mode starts at the first keyframe after `at`. Played from the keyframe at or before
  // it, every frame up to `at` comes (as decode-only), and the sink keeps the keyframe.
  playback::PlayOptions o;
  o.max = true;
  o.audio = false;
  KeyframeSink sink(at);
  try {
    playback::Player(std::move(timeline), o).run(sink);
  } catch (const playback::PlaybackError& e) {
    throw HttpError(500, std::string("reading the footage: ") + e.what());
  }
  if (auto& k = sink.keyframe()) return std::move(*k);
  throw HttpError(404, "no keyframe of " + stream + " at " + units::format_wall(at));
}

std::shared_ptr<const Picture> to_picture(const Keyframe& k, int width) {
  media::JpegOptions o;
  o.max_width = width;
  o.max_height = 8192;
  try {
    return std::make_shared<const Picture>(Picture{media::keyframe_to_jpeg(k.video, k.access_unit, o), k.wall_ns});
  } catch (const media::MediaError& e) {
    throw HttpError(e.code() == media::MediaErrc::unsupported_codec ? 415 : 500,
                    std::string("the keyframe could not be made a picture: ") + e.what());
  }
}

// The live picture of a camera: the ring's newest video keyframe, from the cache when it was made already
// (503 when there is no ring, no video or no keyframe within kKeyframeWait).
std::shared_ptr<const Picture> live_picture(const std::string& camera, const std::string& ring, int width,
                                            LiveCache& cache, const fifo::Clock& clock) {
  try {
    fifo::ReaderOptions options;
    options.start = fifo::StartAt::newest_keyframe;
    options.on_lapped = fifo::OnLapped::newest_keyframe;
    auto reader = fifo::RingReader::open(ring, options);
    if (const auto newest = reader.newest_keyframe())
      if (auto cached = cache.find(camera, newest->seq, width)) return cached;
    const int64_t deadline_ns = clock.mono_ns() + std::chrono::nanoseconds(kKeyframeWait).count();
    fifo::Frame f;
    while (clock.mono_ns() < deadline_ns) {
      if (reader.read(f, 200ms) != fifo::WaitStatus::ready) continue;
      const fifo::TrackInfo* video = reader.stream_info().first_of(fifo::MediaKind::video);
      if (video == nullptr) throw HttpError(503, "camera " + camera + " has no video");
      if (f.header.track != video->track_id || !f.header.is_key()) continue;
      auto picture = to_picture(Keyframe{*video, std::move(f.payload), f.header.wall_ns}, width);
      cache.put(camera, f.header.seq, width, picture);
      return picture;
    }
  } catch (const fifo::FifoError& e) {
    throw HttpError(503, "camera " + camera + " has no live stream: " + e.what());
  }
  throw HttpError(503, "camera " + camera + " sent no keyframe in the last " +
                           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kKeyframeWait).count()) +
                           " s");
}

// The keyframe at or before `wall_ns` still in `ring`, for an event whose footage is not in the catalog yet (the
// recorder commits a fragment at the next keyframe): the same keyframe the recording will hold. nullopt when the
// ring does not reach back that far or is gone.
std::optional<Keyframe> ring_keyframe_at(const std::string& ring, int64_t wall_ns) {
  try {
    fifo::ReaderOptions options;
    options.start = fifo::StartAt::newest_keyframe;
    auto reader = fifo::RingReader::open(ring, options);
    const auto newest = reader.newest_frame_header();
    if (!newest) return std::nullopt;
    const auto kf = reader.keyframe_at_or_before(wall_ns - (newest->wall_ns - newest->mono_ns));
    if (!kf || !reader.seek_to(*kf)) return std::nullopt;
    fifo::Frame f;
    for (int i = 0; i < 64 && reader.read(f, 200ms) == fifo::WaitStatus::ready; ++i) {
      const fifo::TrackInfo* video = reader.stream_info().first_of(fifo::MediaKind::video);
      if (video == nullptr) return std::nullopt;
      if (f.header.track == video->track_id && f.header.is_key())
        return Keyframe{*video, std::move(f.payload), f.header.wall_ns};
    }
  } catch (const fifo::FifoError&) {
  }
  return std::nullopt;
}

// How long after an event is posted its footage may still be on its way to the catalog: the recorder writes
// the pre-roll from the ring at once and commits a fragment at every keyframe, so a minute is ample.
constexpr int64_t kRecordingCommitBoundNs = 60'000'000'000;
// How long after an event is posted its own recording may not exist yet (the camera starts it at once).
constexpr int64_t kRecordingStartBoundNs = 5'000'000'000;

void reply_jpeg(Response& res, const Picture& p, bool recorded) {
  res.status = 200;
  // A recorded picture changes only when retention removes it; a live one with every keyframe.
  res.set_header("Cache-Control", recorded ? "private, max-age=3600" : "no-store");
  res.set_header("X-Picture-Time", units::format_wall(p.wall_ns));
  res.set_content(std::string(p.jpeg.bytes.begin(), p.jpeg.bytes.end()), "image/jpeg");
}

int width_param(const Request& req) {
  if (!req.has_param("width")) return 1280;
  const std::string v = req.param("width");
  int w = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), w);
  if (ec != std::errc() || end != v.data() + v.size() || w < 16 || w > 3840)
    throw HttpError(400, "width must be a whole number of pixels from 16 to 3840");
  return w;
}


}  // namespace

void register_snapshot_routes(Router& router, Service& service) {
  auto slots = std::make_shared<DecodeSlots>();
  auto pool = std::make_shared<CatalogPool>();
  auto thumbnails = std::make_shared<ThumbnailCache>();
  auto live = std::make_shared<LiveCache>();

  const std::string snapshot = std::string("/api/v1/cameras/(") + kCameraNamePattern + ")/snapshot\\.jpg";
  router.get(
      snapshot,
      [&service, slots, pool, live](const Request& req, Response& res) {
        refuse_unknown(req.query, {"at", "width"});
        const std::string camera = req.matches[1];
        const int width = width_param(req);
        const ServiceConfig config = service.config();
        if (req.has_param("at")) {
          const int64_t now = service.clock().wall_ns();
          const int64_t at = units::parse_time_ns(req.param("at"), now);
          const std::string stream = service.footage_stream(camera);  // 404 for no such camera, retired or not
          std::optional<playback::Timeline> timeline;
          try {
            timeline = footage_at(*pool, config.storage_dir, stream, at);
          } catch (const HttpError& e) {
            // The last seconds (`at=now`, `-2s`) are in the ring before their fragment is in the catalog.
            const CameraConfig* c = config.camera(camera);
            if (e.status() != 404 || c == nullptr || at < now - kRecordingCommitBoundNs) throw;
            const auto slot = slots->take(camera);
            const auto k = ring_keyframe_at(config.ring_name(*c), at);
            if (!k) throw;
            reply_jpeg(res, *to_picture(*k, width), false);
            return;
          }
          const auto slot = slots->take(camera);
          reply_jpeg(res, *to_picture(recorded_keyframe(std::move(*timeline), stream, at), width), true);
          return;
        }
        const CameraConfig* c = config.camera(camera);
        if (c == nullptr) throw HttpError(404, "no camera " + camera);
        const auto slot = slots->take(camera);
        reply_jpeg(res, *live_picture(camera, config.ring_name(*c), width, *live, service.clock()), false);
      },
      Pool::media);

  router.get(
      "/api/v1/events/([^/]+)/thumbnail\\.jpg",
      [&service, slots, pool, thumbnails](const Request& req, Response& res) {
        refuse_query(req.query);
        const int64_t id = parse_event_id(req.matches[1]);  // one id syntax for every event route: 400 otherwise
        const ServiceConfig config = service.config();
        std::optional<catalog::EventRow> event;
        try {
          event = (*pool->take(config.storage_dir)).event(id);
        } catch (const catalog::CatalogError& e) {
          throw HttpError(503, std::string("the catalog cannot be read: ") + e.what());
        }
        if (!event) throw HttpError(404, "no event " + std::to_string(id));
        // Checked at every request, cached or not: footage removed by retention takes its thumbnail with it.
        std::optional<playback::Timeline> timeline;
        try {
          timeline = footage_at(*pool, config.storage_dir, event->stream_name, event->start_wall_ns);
        } catch (const HttpError& e) {
          if (e.status() != 404) throw;
        }
        auto picture = thumbnails->find(id);
        if (!timeline) {
          // Not recorded (yet): a new event's first fragment may still be on its way to the catalog, and the
          // ring holds the keyframe it will contain. Only a new one: an older event has lost its footage
          // (retention, a DELETE), and its picture with it, although the ring may still hold that keyframe.
          thumbnails->drop(id);
          // An event of a camera without continuous recording has a recording of its own from its first
          // moments; once that is gone (a DELETE of the recording or of the event's footage), so is its picture.
          const CameraConfig* cam = nullptr;
          for (const auto& c : config.cameras)
            if (config.ring_name(c) == event->stream_name) cam = &c;
          const int64_t age_ns = service.clock().wall_ns() - event->trigger_wall_ns;
          bool own_recording_gone = false;
          if (cam != nullptr && !cam->continuous) {
            if (!event->recording_id) {
              // Cleared by a delete, or not set yet: an event's recording starts when it is posted.
              own_recording_gone = age_ns > kRecordingStartBoundNs || event->state == "ended";
            } else {
              try {
                own_recording_gone = !(*pool->take(config.storage_dir)).recording(*event->recording_id);
              } catch (const catalog::CatalogError& e) {
                throw HttpError(503, std::string("the catalog cannot be read: ") + e.what());
              }
            }
          }
          if (age_ns > kRecordingCommitBoundNs || own_recording_gone)
            throw HttpError(404, "no footage of event " + std::to_string(id) + " at " +
                                     units::format_wall(event->start_wall_ns) + " (deleted, or never recorded)");
          const auto slot = slots->take(event->stream_name);
          const auto k = ring_keyframe_at(event->stream_name, event->start_wall_ns);
          if (!k)
            throw HttpError(404, "no footage of event " + std::to_string(id) + " at " +
                                     units::format_wall(event->start_wall_ns));
          reply_jpeg(res, *to_picture(*k, kThumbnailWidth), false);
          return;
        }
        if (!picture) {
          const auto slot = slots->take(event->stream_name);
          picture = to_picture(recorded_keyframe(std::move(*timeline), event->stream_name, event->start_wall_ns),
                               kThumbnailWidth);
          thumbnails->put(id, picture);
        }
        reply_jpeg(res, *picture, true);
      },
      Pool::media);
}

}  // namespace zc::service::http

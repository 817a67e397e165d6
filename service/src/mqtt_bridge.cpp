#include "mqtt_bridge.h"

#include "http_request.h"

#include <zc/catalog/catalog.h>
#include <zc/units/units.h>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace zc::service {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr auto kLoopTimeout = 50ms;       // the bridge thread's tick: the latency of a queued publish
constexpr auto kPollInterval = 1s;        // event ends and camera availability
constexpr auto kConnectTimeout = 10s;     // a CONNACK not back by then: the attempt failed
constexpr auto kMaxBackoff = 10s;         // reconnect delays double from 1 s up to this
constexpr auto kStopFlush = 2s;           // at stop, how long the last messages may take
constexpr std::size_t kLogPayloadChars = 120;

// A payload in a log line: printable ASCII only, at most kLogPayloadChars of it.
std::string loggable(std::string_view s) {
  std::string out;
  for (char ch : s.substr(0, kLogPayloadChars))
    out += (ch >= 0x20 && ch < 0x7f) ? ch : '?';
  if (s.size() > kLogPayloadChars) out += "... (" + std::to_string(s.size()) + " bytes)";
  return out;
}

json metadata_value(const std::string& text) {
  if (text.empty()) return nullptr;
  json v = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return v.is_discarded() ? json(text) : v;
}

}  // namespace

MqttBridge::MqttBridge(Service& service, MqttConfig config, std::filesystem::path storage_dir, const Logger& log)
    : service_(service), config_(std::move(config)), storage_dir_(std::move(storage_dir)), log_(log) {
  mqtt::ClientCallbacks cb;
  cb.on_connect = [this](int rc) { on_connect(rc); };
  cb.on_disconnect = [this] { on_disconnect(); };
  cb.on_publish = [this](int mid) { inflight_.erase(mid); };
  cb.on_message = [this](std::string_view t, std::string_view p, bool retained) { on_message(t, p, retained); };
  try {
    client_.emplace(config_.client_id, std::move(cb));
  } catch (const mqtt::MqttError& e) {
    throw ServiceError(ServiceError::Kind::unavailable, std::string("mqtt: ") + e.what());
  }
  // The broker publishes this for zcrecd when the connection dies without a DISCONNECT (SIGKILL, power, network).
  if (const int rc = client_->set_will({topic("available"), "offline", 1, true}); rc != 0)
    throw ServiceError(ServiceError::Kind::unavailable, "mqtt: last will: " + mqtt::Client::error_text(rc));
  if (!config_.user.empty()) {
    if (const int rc = client_->set_login(config_.user, config_.password); rc != 0)
      throw ServiceError(ServiceError::Kind::unavailable, "mqtt: login: " + mqtt::Client::error_text(rc));
  }
  log_.info("mqtt: broker " + config_.host + ":" + std::to_string(config_.port) + ", topics " + config_.topic_prefix +
            "/..." + (config_.user.empty() ? "" : ", user " + config_.user));
  thread_ = std::thread([this] { run(); });
}

MqttBridge::~MqttBridge() { stop(); }

void MqttBridge::event_created(int64_t id, const std::string& camera) {
  {
    std::lock_guard lock(mutex_);
    // Bounded like the queue: a bridge thread stuck in a name lookup must not grow this without end.
    if (created_.size() >= static_cast<std::size_t>(config_.queue_size)) {
      created_.erase(created_.begin());
      ++dropped_;
    }
    created_.emplace_back(id, camera);
  }
  wake_.notify_all();
}

void MqttBridge::event_changed() {
  {
    std::lock_guard lock(mutex_);
    poke_ = true;
  }
  wake_.notify_all();
}

MqttStatus MqttBridge::status() const {
  MqttStatus s;
  s.connected = connected_;
  s.queued = queued_;
  s.dropped = dropped_;
  s.published = published_;
  s.received = received_;
  s.rejected = rejected_;
  return s;
}

void MqttBridge::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

catalog::Catalog& MqttBridge::catalog() {
  if (!catalog_)
    catalog_ = std::make_unique<catalog::Catalog>(
        catalog::Catalog::open_existing(storage_dir_, catalog::Catalog::Access::read_only));
  return *catalog_;
}

// A catalog read that fails (a busy or damaged database) costs that one message, logged, never the bridge.
template <class Fn>
void MqttBridge::guarded(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    log_.error(std::string("mqtt: ") + e.what());
  }
}

void MqttBridge::run() {
  auto next_poll = mono_now();
  auto next_stats = mono_now() + std::chrono::nanoseconds(config_.stats_interval_ns);
  for (;;) {
    std::vector<std::pair<int64_t, std::string>> created;
    bool poke = false;
    {
      std::unique_lock lock(mutex_);
      // Without a connection there is no socket to wait on: wait here for news or the next attempt.
      if (!socket_ && !stopping_ && created_.empty() && !poke_)
        wake_.wait_for(lock, std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - mono_now()),
                                        std::chrono::milliseconds(1), std::chrono::milliseconds(kLoopTimeout)));
      if (stopping_) break;
      created.swap(created_);
      std::swap(poke, poke_);
    }
    auto now = mono_now();
    if (!socket_ && now >= next_attempt_) {
      const int rc = client_->connect_async(config_.host, config_.port, config_.keepalive_s);
      if (rc == 0) {
        socket_ = true;
        attempt_started_ = now;
      } else {
        connection_lost("cannot connect to " + config_.host + ":" + std::to_string(config_.port) + ": " +
                        mqtt::Client::error_text(rc));
      }
    }
    if (socket_) {
      const int rc = client_->loop(static_cast<int>(kLoopTimeout.count()));
      if (rc != 0) {
        connection_lost(mqtt::Client::error_text(rc));
      } else if (!connected_ && mono_now() - attempt_started_ > kConnectTimeout) {
        client_->disconnect();
        connection_lost("no answer from " + config_.host + ":" + std::to_string(config_.port));
      }
    }
    for (const auto& [id, camera] : created) guarded([&] { publish_created(id, camera); });
    now = mono_now();
    if (poke || now >= next_poll) {
      guarded([&] { poll_event_ends(); });
      guarded([&] { poll_cameras(); });
      next_poll = now + kPollInterval;
    }
    if (now >= next_stats) {
      if (connected_) guarded([&] { publish_stats(); });  // stats are a snapshot: an old one is not queued
      next_stats = now + std::chrono::nanoseconds(config_.stats_interval_ns);
    }
    if (connected_) drain();
  }

  // Stopping: events made just before, the ends of those the cameras closed while stopping, then zcrecd and its
  // cameras go offline.
  {
    std::vector<std::pair<int64_t, std::string>> created;
    {
      std::lock_guard lock(mutex_);
      created.swap(created_);
    }
    for (const auto& [id, camera] : created) guarded([&] { publish_created(id, camera); });
  }
  guarded([&] { poll_event_ends(); });
  if (!connected_) {
    if (!queue_.empty()) log_.warning("mqtt: stopping with " + std::to_string(queue_.size()) + " messages unsent");
    return;
  }
  // Through the queue, after the event ends, so that "offline" is the last word.
  for (auto& [camera, online] : available_) enqueue({topic(camera + "/available"), "offline", 1, true});
  enqueue({topic("available"), "offline", 1, true});
  const auto deadline = mono_now() + kStopFlush;
  while (connected_ && (!queue_.empty() || !inflight_.empty()) && mono_now() < deadline) {
    drain();
    if (client_->loop(static_cast<int>(kLoopTimeout.count())) != 0) break;
  }
  client_->disconnect();
  client_->loop(static_cast<int>(kLoopTimeout.count()));
  connected_ = false;
}

void MqttBridge::on_connect(int rc) {
  if (rc != 0) {
    // Closed here rather than left to the broker; the retry waits its backoff.
    client_->disconnect();
    connection_lost("the broker refused the connection: " + mqtt::Client::connack_text(rc));
    return;
  }
  connected_ = true;
  backoff_ = 1000ms;
  last_failure_.clear();
  inflight_.clear();  // libmosquitto sends what was unacknowledged again by itself
  log_.info("mqtt: connected to " + config_.host + ":" + std::to_string(config_.port) +
            (queue_.empty() ? "" : "; " + std::to_string(queue_.size()) + " messages queued"));
  publish_now({topic("available"), "online", 1, true});
  if (const int s = client_->subscribe(topic("+/event"), 1); s != 0)
    log_.error("mqtt: cannot subscribe to " + topic("+/event") + ": " + mqtt::Client::error_text(s));
  // The broker may have lost its retained messages: each camera's availability again.
  for (auto& [camera, online] : available_)
    publish_now({topic(camera + "/available"), online ? "online" : "offline", 1, true});
}

void MqttBridge::on_disconnect() { connected_ = false; }

void MqttBridge::connection_lost(const std::string& why) {
  const bool was_connected = connected_;
  connected_ = false;
  socket_ = false;
  next_attempt_ = mono_now() + backoff_;
  // One line per outage and per new reason, not one per retry.
  if (was_connected || why != last_failure_) {
    log_.warning("mqtt: " + why + "; retrying (every " + std::to_string(backoff_.count()) + " ms, up to " +
                 std::to_string(std::chrono::milliseconds(kMaxBackoff).count()) + " ms)");
    last_failure_ = why;
  }
  backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(kMaxBackoff));
}

void MqttBridge::on_message(std::string_view topic_name, std::string_view payload, bool retained) {
  const std::string where = loggable(topic_name);
  const auto reject = [&](const std::string& why) {
    ++rejected_;
    log_.warning("mqtt: dropped the message on " + where + ": " + loggable(why) + "; payload: " + loggable(payload));
  };
  // A retained event would make a new event at every reconnect: an event is a moment, not a state.
  if (retained) return reject("retained (publish events without the retain flag)");
  const std::string prefix = config_.topic_prefix + "/", suffix = "/event";
  if (topic_name.size() <= prefix.size() + suffix.size() || topic_name.substr(0, prefix.size()) != prefix ||
      topic_name.substr(topic_name.size() - suffix.size()) != suffix)
    return reject("not " + prefix + "CAMERA" + suffix);
  const std::string camera(topic_name.substr(prefix.size(), topic_name.size() - prefix.size() - suffix.size()));
  if (!http::valid_camera_name(camera)) return reject("no camera is named that");
  if (payload.size() > http::kMaxBodyBytes)
    return reject("larger than " + std::to_string(http::kMaxBodyBytes) + " bytes");
  try {
    const EventRequest request = http::parse_event_body(payload, service_.clock().wall_ns());
    const int64_t id = service_.create_event(camera, request);
    ++received_;
    log_.info("mqtt: event " + std::to_string(id) + " of " + camera + " from " + where);
  } catch (const std::exception& e) {
    reject(e.what());
  }
}

void MqttBridge::enqueue(mqtt::Message m) {
  // Past queue_size the oldest goes (and is counted), so a long outage costs bounded memory.
  if (queue_.size() >= static_cast<std::size_t>(config_.queue_size)) {
    if (dropped_ % 1000 == 0)
      log_.warning("mqtt: " + std::to_string(config_.queue_size) + " messages wait for the broker; dropping the oldest (" +
                   std::to_string(dropped_ + 1) + " dropped so far)");
    queue_.pop_front();
    ++dropped_;
  }
  queue_.push_back(std::move(m));
  queued_ = static_cast<int64_t>(queue_.size());
}

void MqttBridge::drain() {
  while (connected_ && !queue_.empty() && inflight_.size() < kMqttMaxInflight) {
    int mid = 0;
    const int rc = client_->publish(queue_.front(), &mid);
    if (rc != 0) {
      connection_lost("publish: " + mqtt::Client::error_text(rc));  // the message stays first in the queue
      break;
    }
    if (queue_.front().qos > 0) inflight_.insert(mid);
    queue_.pop_front();
    ++published_;
  }
  queued_ = static_cast<int64_t>(queue_.size());
}

void MqttBridge::publish_now(const mqtt::Message& m) {
  int mid = 0;
  if (client_->publish(m, &mid) == 0) ++published_;
}

std::optional<std::string> MqttBridge::event_payload(const char* type, int64_t id, const std::string& camera) {
  const auto row = catalog().event(id);
  if (!row) return std::nullopt;  // deleted already (retention, or by hand)
  return json{{"type", type},
              {"id", row->id},
              {"camera", camera},
              {"label", row->label},
              {"score", row->score ? json(*row->score) : json(nullptr)},
              {"metadata", metadata_value(row->metadata_json)},
              {"start", units::format_wall(row->start_wall_ns)},
              {"end", row->end_wall_ns && std::string_view(type) == "end" ? json(units::format_wall(*row->end_wall_ns))
                                                                          : json(nullptr)},
              {"end_reason", row->end_reason.empty() || std::string_view(type) != "end" ? json(nullptr)
                                                                                         : json(row->end_reason)},
              {"preroll_s", static_cast<double>(row->preroll_ns) / 1e9},
              {"postroll_s", static_cast<double>(row->postroll_ns) / 1e9},
              {"thumbnail", "/api/v1/events/" + std::to_string(row->id) + "/thumbnail.jpg"},
              {"clip", "/api/v1/events/" + std::to_string(row->id) + "/clip.mp4"}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

void MqttBridge::publish_created(int64_t id, const std::string& camera) {
  if (auto payload = event_payload("new", id, camera)) {
    enqueue({topic("events"), std::move(*payload), 1, false});
    open_events_[id] = camera;
  }
}

void MqttBridge::poll_event_ends() {
  for (auto it = open_events_.begin(); it != open_events_.end();) {
    const auto row = catalog().event(it->first);
    if (!row) {
      it = open_events_.erase(it);
    } else if (row->end_wall_ns) {
      if (auto payload = event_payload("end", it->first, it->second))
        enqueue({topic("events"), std::move(*payload), 1, false});
      it = open_events_.erase(it);
    } else {
      ++it;
    }
  }
}

void MqttBridge::poll_cameras() {
  std::set<std::string> seen;
  for (const auto& c : service_.cameras()) {
    seen.insert(c.name);
    const bool online = c.ingest_state == IngestState::streaming;
    auto it = available_.find(c.name);
    if (it != available_.end() && it->second == online) continue;
    available_[c.name] = online;
    if (connected_) publish_now({topic(c.name + "/available"), online ? "online" : "offline", 1, true});
  }
  // A camera a reload removed: offline (its retained message would say online forever otherwise).
  for (auto it = available_.begin(); it != available_.end();) {
    if (seen.count(it->first)) {
      ++it;
      continue;
    }
    if (connected_) publish_now({topic(it->first + "/available"), "offline", 1, true});
    it = available_.erase(it);
  }
}

void MqttBridge::publish_stats() {
  for (const auto& c : service_.cameras()) {
    const json j{{"camera", c.name},
                 {"fps", c.fps},
                 {"bitrate_bps", c.bitrate_bps},
                 {"frames_in", c.frames_in},
                 {"frames_lost", c.frames_lost},
                 {"reconnects", c.reconnects},
                 {"ingest_state", to_string(c.ingest_state)},
                 {"recording_state", to_string(c.recording_state)},
                 {"open_events", c.open_events},
                 {"ring_history_s", c.ring_history_s},
                 {"time", units::format_wall(service_.clock().wall_ns())}};
    publish_now({topic(c.name + "/stats"), j.dump(-1, ' ', false, json::error_handler_t::replace), 0, false});
  }
}

}  // namespace zc::service

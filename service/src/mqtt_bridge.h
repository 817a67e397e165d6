// What zcrecd says and hears over MQTT (docs/service.md, "MQTT"): its availability (retained, with a last will),
// each camera's availability and stats, event start and end; events taken from <prefix>/<camera>/event through
// Service::create_event, as the HTTP route makes them. Everything runs on the bridge's own thread: a broker that
// is down or slow never blocks recording or the API. Publishes wait in a bounded queue while the broker is away.
#pragma once

#include "log.h"
#include "mqtt_client.h"

#include <zc/service/config.h>
#include <zc/service/service.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace zc::catalog {
class Catalog;
}

namespace zc::service {

// QoS 1 messages handed to libmosquitto and not yet acknowledged; the rest wait in the bounded queue.
inline constexpr std::size_t kMqttMaxInflight = 100;

class MqttBridge {
 public:
  // Throws ServiceError(unavailable) when libmosquitto cannot make a client. Connects in the background.
  MqttBridge(Service& service, MqttConfig config, std::filesystem::path storage_dir, const Logger& log);
  ~MqttBridge();  // stop()
  MqttBridge(const MqttBridge&) = delete;
  MqttBridge& operator=(const MqttBridge&) = delete;

  // Any thread, cheap: an event was created (its "new" is published from the catalog row) / may have ended.
  void event_created(int64_t id, const std::string& camera);
  void event_changed();
  MqttStatus status() const;
  // Publishes the ends of events that ended, "offline" for every camera and zcrecd, and disconnects (waits up to
  // 2 s for the broker). Idempotent.
  void stop();

 private:
  // The service clock's mono_ns as a duration: the bridge's timers (poll, stats, reconnect, flush) run on it.
  std::chrono::nanoseconds mono_now() const { return service_.clock().mono(); }

  void run();
  template <class Fn>
  void guarded(Fn&& fn);
  void on_connect(int rc);
  void on_disconnect();
  void on_message(std::string_view topic, std::string_view payload, bool retained);
  void connection_lost(const std::string& why);
  void enqueue(mqtt::Message m);
  void drain();
  void publish_now(const mqtt::Message& m);
  void publish_created(int64_t id, const std::string& camera);
  void poll_event_ends();
  void poll_cameras();
  void publish_stats();
  std::optional<std::string> event_payload(const char* type, int64_t id, const std::string& camera);
  catalog::Catalog& catalog();
  std::string topic(const std::string& tail) const { return config_.topic_prefix + "/" + tail; }

  Service& service_;
  const MqttConfig config_;
  const std::filesystem::path storage_dir_;
  const Logger& log_;

  mutable std::mutex mutex_;  // created_, poke_, stopping_
  std::condition_variable wake_;
  std::vector<std::pair<int64_t, std::string>> created_;
  bool poke_ = false;
  bool stopping_ = false;

  std::atomic<bool> connected_{false};
  std::atomic<int64_t> queued_{0}, dropped_{0}, published_{0}, received_{0}, rejected_{0};

  // The bridge thread's own, never touched elsewhere.
  std::optional<mqtt::Client> client_;
  bool socket_ = false;  // a connection exists or is being made
  std::chrono::nanoseconds attempt_started_{}, next_attempt_{};  // on mono_now()
  std::chrono::milliseconds backoff_{1000};
  std::string last_failure_;
  std::deque<mqtt::Message> queue_;
  std::set<int> inflight_;
  std::map<int64_t, std::string> open_events_;  // published "new", not yet "end": id -> camera
  std::map<std::string, bool> available_;       // camera -> online, as last published
  std::unique_ptr<catalog::Catalog> catalog_;

  std::thread thread_;
};

}  // namespace zc::service

// Service: the cameras of a configuration, reload, and the retention schedule. docs/service.md.
#include "camera.h"
#include "cluster_reading.h"
#include "lease_keeper.h"
#include "log.h"
#include "mqtt_bridge.h"
#include "retired_cameras.h"
#include "rtsp_serving.h"
#include "segment_uploader.h"
#include "shared_catalog.h"
#include "storage_lock.h"

#include <zc/catalog/error.h>
#include <zc/cluster/publish_loop.h>
#include <zc/catalog/retention.h>
#include <zc/service/service.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <set>
#include <thread>

namespace zc::service {

namespace {

// This host's place in a cluster camera's hosts: list (0 = preferred); none when it is not listed there (or the
// camera has no hosts:, or there is no cluster: block).
std::optional<size_t> place_in_hosts(const ServiceConfig& config, const CameraConfig& c) {
  if (!config.cluster) return std::nullopt;
  const auto it = std::find(c.hosts.begin(), c.hosts.end(), config.cluster->host);
  if (it == c.hosts.end()) return std::nullopt;
  return static_cast<size_t>(it - c.hosts.begin());
}

// The cluster cameras this host may hold, with its place in each list.
std::vector<LeasedCamera> leased_cameras(const ServiceConfig& config) {
  std::vector<LeasedCamera> out;
  for (const auto& c : config.cameras)
    if (const auto place = place_in_hosts(config, c); c.enabled && place) out.push_back({c.name, *place});
  return out;
}

class ServiceImpl final : public Service {
 public:
  ServiceImpl(ServiceConfig config, std::filesystem::path zcrec, std::shared_ptr<const fifo::Clock> clock)
      : clock_(std::move(clock)),
        config_(std::move(config)),
        storage_dir_(config_.storage_dir),
        zcrec_(std::move(zcrec)),
        storage_lock_(lock_storage_dir(config_.storage_dir)),  // before anything touches the directory
        catalog_(open_catalog(config_.storage_dir)) {
    close_crashed_events();
    stop_removed_cameras_ingest();
    // Before the cameras and the retention thread: a bridge that cannot be made fails the start early.
    if (config_.mqtt) mqtt_ = std::make_unique<MqttBridge>(*this, *config_.mqtt, storage_dir_, log_);
    if (config_.rtsp) rtsp_ = std::make_shared<RtspServing>(config_, log_, clock_);
    if (config_.cluster) start_cluster_publisher();
    if (config_.cluster) start_lease_keeper();
    if (config_.s3) uploader_ = std::make_unique<SegmentUploader>(*config_.s3, storage_dir_, log_, *clock_);
    for (const auto& c : config_.cameras) start_camera(c);
    retention_thread_ = std::thread([this] { retention_loop(); });
    if (leases_) lease_thread_ = std::thread([this] { lease_loop(); });
  }

  ~ServiceImpl() override { stop(); }

  const fifo::Clock& clock() const override { return *clock_; }

  ServiceConfig config() const override {
    std::lock_guard lock(mutex_);
    return config_;
  }

  std::vector<CameraStatus> cameras() const override {
    std::vector<serve::RingServeStats> served;
    if (auto rtsp = rtsp_serving()) served = rtsp->stats();
    std::lock_guard lock(mutex_);
    std::vector<CameraStatus> out;
    for (const auto& c : config_.cameras) {
      if (auto it = cameras_.find(c.name); it != cameras_.end()) {
        out.push_back(it->second->status());
      } else if (!c.enabled || !c.hosts.empty()) {
        // Disabled, or a cluster camera another host runs (or none yet: this host waits for its lease).
        CameraStatus idle;
        idle.name = c.name;
        idle.ingest_state = c.enabled ? IngestState::elsewhere : IngestState::disabled;
        idle.recording_state = RecordingState::idle;
        out.push_back(std::move(idle));
      }
      if (out.empty() || out.back().name != c.name) continue;
      if (!c.hosts.empty() && c.enabled) {
        LeaseStatus l;
        if (leases_)
          if (const auto s = leases_->lease(c.name)) l = {s->held, s->holder, s->epoch};
        out.back().lease = l;
      }
      for (const auto& s : served)
        if (s.ring == config_.ring_name(c))
          out.back().rtsp = RtspStatus{s.clients,     s.clients_total, s.clients_refused, s.frames_sent,
                                       s.bytes_sent,  s.frames_dropped, s.push,           s.pushing,
                                       s.pushes,      s.pushes_refused, s.frames_in_dropped};
    }
    return out;
  }

  std::vector<RetiredCamera> retired_cameras() const override {
    const ServiceConfig c = config();
    return with_reader([&](const catalog::Catalog& cat) { return find_retired_cameras(c, cat); });
  }

  std::string footage_stream(const std::string& name) const override {
    const ServiceConfig c = config();
    if (const CameraConfig* cam = c.camera(name)) return c.ring_name(*cam);
    const auto stream = with_reader([&](const catalog::Catalog& cat) { return find_footage_stream(c, cat, name); });
    if (!stream) throw ServiceError(ServiceError::Kind::not_found, "no camera named " + name);
    return *stream;
  }

  StorageStatus storage() const override {
    StorageStatus s;
    s.free_bytes = catalog::free_bytes(config_.storage_dir);
    const auto counts = catalog_.with([](catalog::Catalog& c) { return c.counts(); });
    s.segments = counts.segments;
    s.recordings = counts.recordings;
    s.events = counts.events;
    if (uploader_) s.s3 = uploader_->status();
    return s;
  }

  int64_t create_event(const std::string& camera, const EventRequest& request) override {
    std::shared_ptr<Camera> cam;
    {
      std::lock_guard lock(mutex_);
      if (stopped_) throw ServiceError(ServiceError::Kind::unavailable, "zcrecd is stopping");
      auto it = cameras_.find(camera);
      if (it == cameras_.end()) {
        if (const CameraConfig* c = config_.camera(camera); c != nullptr && !c->enabled)
          throw ServiceError(ServiceError::Kind::conflict, "camera " + camera + " is disabled (enabled: false): it records nothing");
        if (const CameraConfig* c = config_.camera(camera); c != nullptr && !c->hosts.empty()) {
          const auto l = leases_ ? leases_->lease(camera) : std::nullopt;
          throw ServiceError(ServiceError::Kind::unavailable,
                             "camera " + camera + " is recorded by another host of the cluster (" +
                                 (l && !l->holder.empty() ? "now " + l->holder + ", which did not answer"
                                                          : "none holds it now; a host takes it within the lease") +
                                 ")");
        }
        throw ServiceError(ServiceError::Kind::not_found, "no camera named " + camera);
      }
      cam = it->second;
    }
    const int64_t id = cam->create_event(request);
    if (mqtt_) mqtt_->event_created(id, camera);
    return id;
  }

  void end_event(int64_t event_id) override {
    std::vector<std::shared_ptr<Camera>> cams;
    {
      std::lock_guard lock(mutex_);
      for (auto& [name, c] : cameras_) cams.push_back(c);
    }
    for (auto& c : cams) {
      if (c->end_event(event_id)) {
        if (mqtt_) mqtt_->event_changed();
        return;
      }
    }
    const auto row = catalog_.with([&](catalog::Catalog& c) { return c.event(event_id); });
    if (!row) throw ServiceError(ServiceError::Kind::not_found, "no event " + std::to_string(event_id));
    throw ServiceError(ServiceError::Kind::conflict,
                       "event " + std::to_string(event_id) + " has already ended (" + row->end_reason + ")");
  }

  ReloadResult reload() override {
    std::lock_guard reload_lock(reload_mutex_);
    ServiceConfig next = load_config(config().file);  // a bad file throws here: nothing changes
    if (next.storage_dir != config_.storage_dir) {
      throw ConfigError("storage.dir", 0, "cannot change while zcrecd runs (restart it)");
    }
    if (next.listen != config_.listen || next.token != config_.token) {
      log_.warning("reload: api.listen and api.token take effect at the next start");
    }
    if (next.mqtt != config_.mqtt) log_.warning("reload: mqtt takes effect at the next start");
    if (next.cluster != config_.cluster) log_.warning("reload: cluster takes effect at the next start");
    if (next.rtsp != config_.rtsp) log_.warning("reload: rtsp.* takes effect at the next start");
    if (next.s3 != config_.s3) log_.warning("reload: storage.s3 takes effect at the next start");
    ReloadResult r;
    std::map<std::string, std::shared_ptr<Camera>> keep, retire;
    {
      std::lock_guard lock(mutex_);
      for (auto& [name, cam] : cameras_) {
        const CameraConfig* nc = next.camera(name);
        if (nc != nullptr && nc->enabled && camera_setup(next, *nc) == cam->setup()) {
          keep[name] = cam;
        } else {
          retire[name] = cam;
          (nc != nullptr ? r.changed : r.removed).push_back(name);
        }
      }
      for (const auto& c : next.cameras)
        if (!cameras_.count(c.name) && c.enabled) r.added.push_back(c.name);
    }
    for (auto& [name, cam] : retire) cam->stop();  // outside the lock: stopping takes up to seconds
    // The cameras it serves follow the reload at once; the unchanged ones keep their clients. Before the new
    // cameras start: a camera no longer pushed gets its ring's writer (the RTSP server) closed before its ingest
    // opens the ring, and a newly pushed one has its old ingest stopped above before a pusher can come.
    if (auto rtsp = rtsp_serving()) rtsp->serve(next);
    if (leases_) {
      leases_->set_cameras(leased_cameras(next));
    } else if (config_.cluster && !leased_cameras(next).empty()) {
      // The lease keeper starts with the daemon (when some camera has hosts:): until then these stay `elsewhere`.
      log_.warning("reload: the first cameras with hosts: take effect at the next start (no lease keeper runs yet)");
    }
    {
      std::lock_guard lock(mutex_);
      cameras_ = std::move(keep);
      const std::string listen = config_.listen, token = config_.token;
      auto mqtt = config_.mqtt;
      auto rtsp = config_.rtsp;
      auto cluster = config_.cluster;
      auto s3 = config_.s3;
      config_ = std::move(next);
      config_.s3 = std::move(s3);
      config_.listen = listen;
      config_.token = token;
      config_.mqtt = std::move(mqtt);
      config_.rtsp = std::move(rtsp);
      config_.cluster = std::move(cluster);
      for (const auto& c : config_.cameras)
        if (!cameras_.count(c.name)) start_camera_locked(c);
    }
    log_.info("reload: " + std::to_string(r.added.size()) + " added, " + std::to_string(r.changed.size()) +
              " changed, " + std::to_string(r.removed.size()) + " removed");
    return r;
  }

  void stop() override {
    std::map<std::string, std::shared_ptr<Camera>> cams;
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      stopped_ = true;
      cams.swap(cameras_);
    }
    wake_.notify_all();
    if (lease_thread_.joinable()) lease_thread_.join();
    {
      std::lock_guard reload_lock(reload_mutex_);  // a reload may be changing what it serves
      std::shared_ptr<RtspServing> rtsp;
      {
        std::lock_guard lock(rtsp_mutex_);
        rtsp.swap(rtsp_);
      }
      rtsp.reset();  // its clients end before the rings they read stop (unless a status call still holds it)
    }
    if (retention_thread_.joinable()) retention_thread_.join();
    if (uploader_) uploader_->stop();  // its current request ends within the client's timeouts
    // All cameras stop in parallel: each waits for its recording's last fragment and its ingest's exit.
    std::vector<std::thread> stoppers;
    for (auto& [name, cam] : cams) stoppers.emplace_back([c = cam] { c->stop(); });
    for (auto& t : stoppers) t.join();
    // Last: the ends of the events the cameras just closed ('shutdown') are published before going offline.
    if (mqtt_) mqtt_->stop();
    // After the cameras: its last publish may carry their closed rows (it stops at once otherwise).
    if (cluster_) cluster_->stop();
    // Last: the leases are released once this host's footage is published, so the host that takes a camera over
    // at once records from where this one's published footage ends.
    if (leases_) leases_->stop();
  }

  std::optional<std::string> event_holder_url(const std::string& camera) const override {
    if (!leases_) return std::nullopt;
    const auto l = leases_->lease(camera);
    if (!l || l->held || l->holder.empty() || l->holder_api_url.empty()) return std::nullopt;
    return l->holder_api_url;
  }
  std::string cluster_host() const override { return config_.cluster ? config_.cluster->host : ""; }

  std::optional<MqttStatus> mqtt() const override {
    if (!mqtt_) return std::nullopt;
    return mqtt_->status();
  }

  std::vector<ClusterCameraView> cluster_cameras() const override {
    if (!cluster_reading_) return Service::cluster_cameras();
    return cluster_reading_->cameras();
  }

  std::vector<ClusterFootageView> cluster_footage(const std::string& camera, int64_t from_wall_ns,
                                                  int64_t to_wall_ns) const override {
    if (!cluster_reading_) return Service::cluster_footage(camera, from_wall_ns, to_wall_ns);
    return cluster_reading_->footage(camera, from_wall_ns, to_wall_ns);
  }

  std::vector<ClusterSegmentView> cluster_segments(const std::string& camera, int64_t from_wall_ns,
                                                  int64_t to_wall_ns) const override {
    if (!cluster_reading_) return Service::cluster_segments(camera, from_wall_ns, to_wall_ns);
    return cluster_reading_->segments(camera, from_wall_ns, to_wall_ns);
  }

  std::optional<ClusterStatus> cluster() const override {
    if (!cluster_) return std::nullopt;
    const auto s = cluster_->status();
    return ClusterStatus{s.publishes, s.failures, s.last_success_wall_ns, s.last_error};
  }

 private:
  // The host's catalog published into the cluster catalog on a thread of its own (docs/cluster.md). A failure
  // is logged when it starts and when it ends, not on every retry: an outage of an hour is two lines.
  void start_cluster_publisher() {
    cluster::PublishLoopOptions o;
    o.conninfo = config_.cluster->conninfo;
    o.host = config_.cluster->host;
    o.ring_prefix = config_.ring_prefix;
    o.api_url = config_.cluster->api_url;
    o.storage_dir = config_.storage_dir;
    o.every = std::chrono::milliseconds(config_.cluster->every_ns / 1'000'000);
    o.clock = clock_;
    auto failing = std::make_shared<std::atomic<bool>>(false);
    const Logger* log = &log_;
    o.on_log = [log, failing](bool error, const std::string& line) {
      if (error && !failing->exchange(true)) log->warning("cluster: " + line + " (logged again when it works)");
      if (!error && failing->exchange(false)) log->info("cluster: " + line);
    };
    cluster_ = std::make_unique<cluster::PublishLoop>(std::move(o));
    cluster_reading_ = std::make_unique<ClusterReading>(config_.cluster->conninfo);
    log_.info("cluster: publishing this host as '" + config_.cluster->host + "'");
  }

  // Camera leases (docs/cluster.md, "Leases and epochs"): only when this host may hold some camera.
  void start_lease_keeper() {
    auto cams = leased_cameras(config_);
    bool any_hosts = false;
    for (const auto& c : config_.cameras) any_hosts = any_hosts || !c.hosts.empty();
    if (!any_hosts) return;
    LeaseKeeperOptions o;
    o.conninfo = config_.cluster->conninfo;
    o.host = config_.cluster->host;
    o.api_url = config_.cluster->api_url;
    o.lease_ns = config_.cluster->lease_ns;
    o.capacity = config_.cluster->capacity;
    leases_ = std::make_unique<LeaseKeeper>(std::move(o), std::move(cams), log_, *clock_, [this] {
      {
        std::lock_guard lock(mutex_);
        leases_changed_ = true;
      }
      wake_.notify_all();
    });
    log_.info("cluster: camera leases of " + std::to_string(config_.cluster->lease_ns / 1'000'000) + " ms");
  }

  // Starts the ingest of a cluster camera (without standby) when this host gets its lease and stops it when the
  // lease is gone, by the lease keeper's news or by the lease's end on this host's own clock.
  void lease_loop() {
    std::unique_lock lock(mutex_);
    while (!stopped_) {
      wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopped_ || leases_changed_; });
      if (stopped_) break;
      leases_changed_ = false;
      std::vector<std::shared_ptr<Camera>> retire;
      for (const auto& c : config_.cameras) {
        if (c.hosts.empty() || c.standby || !c.enabled) continue;
        if (!place_in_hosts(config_, c)) continue;
        const bool may = leases_->gate(c.name)->may_record();
        const auto it = cameras_.find(c.name);
        if (may && it == cameras_.end()) {
          log_.info("camera " + c.name + ": this host holds its lease; starting it");
          start_camera_locked(c);
        } else if (!may && it != cameras_.end()) {
          log_.warning("camera " + c.name + ": this host no longer holds its lease; stopping it");
          retire.push_back(it->second);
          cameras_.erase(it);
        }
      }
      if (retire.empty()) continue;
      lock.unlock();
      for (auto& cam : retire) cam->stop();  // its last fragment, then its ingest
      lock.lock();
    }
  }

  static catalog::Catalog open_catalog(const std::filesystem::path& dir) {
    try {
      return catalog::Catalog::open(dir);
    } catch (const catalog::CatalogError& e) {
      throw ServiceError(ServiceError::Kind::unavailable, "storage " + dir.string() + ": " + e.what());
    }
  }

  // Events a dead daemon left open end where its footage ends (or at their start when none was recorded).
  void close_crashed_events() {
    catalog_.with([&](catalog::Catalog& c) {
      for (const auto& e : c.open_events()) {
        const int64_t end = std::max(e.start_wall_ns, c.stream_end_wall_ns(e.stream_name).value_or(e.start_wall_ns));
        c.end_event(e.id, end, "crashed");
        log_.warning("event " + std::to_string(e.id) + " of " + e.stream_name + " was open when zcrecd died; ended");
      }
    });
  }

  // Lookups for the API (retired cameras, a footage stream by name) on a read-only connection of their own: a
  // sum over a long-retired camera's segments must not hold the connection an event's row is written on.
  template <class Fn>
  auto with_reader(Fn&& fn) const -> decltype(fn(std::declval<const catalog::Catalog&>())) {
    std::lock_guard lock(reader_mutex_);
    if (!reader_) reader_.emplace(catalog::Catalog::open_existing(storage_dir_, catalog::Catalog::Access::read_only));
    return fn(*reader_);
  }

  // Ingest processes a dead daemon ran for cameras this configuration no longer has (the cameras it has adopt
  // or replace theirs as they start).
  void stop_removed_cameras_ingest() {
    std::set<std::string> keep;
    for (const auto& c : config_.cameras)
      if (c.enabled && !c.pushed()) keep.insert(config_.ring_name(c));  // a pushed camera's writer is the RTSP server
    for (const auto& [ring, pid] : stop_ingest_except(config_.storage_dir, keep))
      log_.warning("stopped ingest pid " + std::to_string(pid) + " of " + ring + ": no camera of this configuration");
  }

  void start_camera(const CameraConfig& c) {
    std::lock_guard lock(mutex_);
    start_camera_locked(c);
  }
  void start_camera_locked(const CameraConfig& c) {
    if (!c.enabled) return;  // listed as `disabled` by cameras(); nothing runs
    std::shared_ptr<LeaseGate> gate;
    if (!c.hosts.empty()) {
      // A cluster camera runs here only if this host is one of its hosts; without standby, only while it holds
      // the lease (lease_loop starts it then).
      if (!leases_ || !place_in_hosts(config_, c)) return;
      gate = leases_->gate(c.name);
      if (!c.standby && !gate->may_record()) return;
    }
    cameras_[c.name] = std::make_shared<Camera>(camera_setup(config_, c), zcrec_, catalog_, log_, *clock_, gate);
  }

  // Retention on a schedule, per camera (its own policy) and for the free-space floor. The recorders also apply
  // it after every segment; this pass covers cameras that are not recording and a floor crossed by others.
  // Retired cameras' footage (renamed or removed cameras) is under the global policy: its own went with its
  // configuration.
  void retention_loop() {
    std::unique_lock lock(mutex_);
    while (!stopped_) {
      const auto interval = std::chrono::nanoseconds(config_.retention_interval_ns);
      wake_.wait_for(lock, interval, [this] { return stopped_; });
      if (stopped_) break;
      struct Pass {
        std::string name, stream;
        catalog::RetentionPolicy policy;
      };
      std::vector<Pass> passes;
      for (auto& [name, cam] : cameras_) {
        const auto& s = cam->setup();
        catalog::RetentionPolicy p = s.retention;
        p.event_max_age_ns = s.event_max_age_ns;
        passes.push_back({s.camera.name, s.ring, p});
      }
      const ServiceConfig config = config_;
      lock.unlock();
      catalog::RetentionPolicy global = config.retention;
      global.event_max_age_ns = config.event_max_age_ns;
      // Object storage's tiers (docs/object-storage.md): local copies kept in S3 age out by local_max_age here
      // (not in the recorders' own passes), and copies in S3 are deleted with their rows.
      if (config.s3) {
        global.local_max_age_ns = config.s3->local_max_age_ns;
        for (auto& p : passes) p.policy.local_max_age_ns = config.s3->local_max_age_ns;
        if (!remote_delete_) remote_delete_ = make_remote_delete(*config.s3, *clock_);
      }
      if (global.any()) {
        try {
          for (auto& r : catalog_.with([&](catalog::Catalog& c) { return find_retired_cameras(config, c); }))
            passes.push_back({r.name + " (retired)", r.stream, global});
        } catch (const std::exception& e) {
          log_.error(std::string("retention: cannot list retired cameras: ") + e.what());
        }
      }
      for (const auto& pass : passes) {
        if (!pass.policy.any()) continue;
        try {
          const auto report = catalog_.with([&](catalog::Catalog& c) {
            return catalog::apply_retention(c, pass.policy, clock_->wall_ns(), pass.stream, {}, remote_delete_);
          });
          if (uploader_) {
            uploader_->count_local_removed(report.local_copies_removed);
            uploader_->count_remote_deleted(report.remote_copies_deleted);
          }
          if (report.local_copies_removed > 0)
            log_.info("retention: " + pass.name + ": removed " + std::to_string(report.local_copies_removed) +
                      " local copies kept in S3 (" + std::to_string(report.local_bytes_removed) + " bytes)");
          if (report.segments_deleted > 0)
            log_.info("retention: " + pass.name + ": deleted " + std::to_string(report.segments_deleted) +
                      " segments (" + std::to_string(report.bytes_deleted) + " bytes)");
          if (report.floor_unreachable)
            log_.warning("retention: free-space floor not reachable without deleting locked or event footage");
        } catch (const std::exception& e) {
          log_.error("retention: " + pass.name + ": " + e.what());
        }
      }
      lock.lock();
    }
  }

  const std::shared_ptr<const fifo::Clock> clock_;  // first: everything below may read it
  Logger log_;
  mutable std::mutex mutex_;
  std::mutex reload_mutex_;
  std::condition_variable wake_;
  ServiceConfig config_;
  const std::filesystem::path storage_dir_;  // cannot change at runtime (reload refuses it): read without mutex_
  std::filesystem::path zcrec_;
  PidLock storage_lock_;  // held for the daemon's life (storage_lock.h)
  mutable SharedCatalog catalog_;
  mutable std::mutex reader_mutex_;
  mutable std::optional<catalog::Catalog> reader_;  // with_reader()
  std::map<std::string, std::shared_ptr<Camera>> cameras_;
  bool stopped_ = false;
  std::thread retention_thread_;
  catalog::RemoteDelete remote_delete_;  // the retention thread's own (storage.s3), made at its first pass
  std::unique_ptr<MqttBridge> mqtt_;  // set once in the constructor; stopped last
  std::unique_ptr<cluster::PublishLoop> cluster_;  // set once in the constructor (config has cluster:)
  std::unique_ptr<ClusterReading> cluster_reading_;  // with cluster_: the API's view of every host
  std::unique_ptr<SegmentUploader> uploader_;  // set once in the constructor when storage.s3 is configured
  std::unique_ptr<LeaseKeeper> leases_;  // set once in the constructor: cluster cameras (hosts:) exist
  std::thread lease_thread_;             // lease_loop(), with leases_
  bool leases_changed_ = false;          // under mutex_
  mutable std::mutex rtsp_mutex_;  // guards the pointer only: stop() takes it away while cameras() reads stats
  std::shared_ptr<RtspServing> rtsp_;  // set in the constructor (config has rtsp:), taken away first at stop()
  std::shared_ptr<RtspServing> rtsp_serving() const {
    std::lock_guard lock(rtsp_mutex_);
    return rtsp_;
  }
};

}  // namespace

std::unique_ptr<Service> Service::start(ServiceConfig config, std::filesystem::path zcrec_path,
                                        std::shared_ptr<const fifo::Clock> clock) {
  return std::make_unique<ServiceImpl>(std::move(config), std::move(zcrec_path), std::move(clock));
}

std::unique_ptr<Service> Service::start(ServiceConfig config, std::filesystem::path zcrec_path) {
  return start(std::move(config), std::move(zcrec_path), std::make_shared<const fifo::SystemClock>());
}

}  // namespace zc::service

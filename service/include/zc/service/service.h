// The zcrecd service: every camera of a ServiceConfig, each with its ingest in a supervised child process
// (`zcrec feed` into the camera's ring) and its recording (continuous segments, events) in this process.
// docs/service.md has the process tree and what happens on each kind of crash. The HTTP API (http_api.h)
// is a thin layer over this class; so are the metrics.
#pragma once

#include <zc/fifo/clock.h>
#include <zc/service/camera_state.h>
#include <zc/service/config.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace zc::service {

// An API-level failure; kind maps to an HTTP status (not_found 404, bad_request 400, conflict 409,
// unavailable 503).
class ServiceError : public std::runtime_error {
 public:
  enum class Kind { not_found, bad_request, conflict, unavailable };
  ServiceError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

// The camera's RTSP clients (docs/serving.md, "In zcrecd"), counted since zcrecd started serving it.
struct RtspStatus {
  uint64_t clients = 0;  // playing now
  uint64_t clients_total = 0, clients_refused = 0;
  uint64_t frames_sent = 0, bytes_sent = 0;
  uint64_t frames_dropped = 0;  // for clients that could not keep up
  // source: push cameras (docs/serving.md, "Streams pushed in"): its pusher; frames and bytes in are the ring's.
  bool push = false;
  bool pushing = false;
  uint64_t pushes = 0, pushes_refused = 0, push_frames_dropped = 0;
};

// A cluster camera's lease seen from this host (docs/cluster.md, "Leases and epochs").
struct LeaseStatus {
  bool held = false;     // by this host
  std::string holder;    // the host that holds it ('' nobody now)
  int64_t epoch = 0;     // the camera's current epoch (0: never held)
};

struct CameraStatus {
  std::string name;
  IngestState ingest_state = IngestState::starting;  // camera_state.h lists them all
  double fps = 0;               // video frames (not audio) written to the ring per second, over the last sample
  double bitrate_bps = 0;       // payload bits per second
  double ring_history_s = 0;    // media time the ring holds (pre-roll available)
  int64_t reconnects = 0;       // the camera's reconnects (reported by the ingest child) + ingest restarts
  int64_t ingest_restarts = 0;  // times the child died and was started again
  RecordingState recording_state = RecordingState::idle;
  std::string last_error;       // the newest, as the log says it; empty when none
  int64_t frames_in = 0;        // frames written to the ring since the ring was created
  int64_t bytes_in = 0;
  int64_t frames_lost = 0;      // by the camera's recordings (lapped, dropped)
  int64_t open_events = 0;
  double segment_write_latency_s = 0;  // the newest fragment: last frame captured → fragment durable
  std::optional<RtspStatus> rtsp;      // set when zcrecd serves RTSP (an `rtsp:` block) and serves this camera
  std::optional<LeaseStatus> lease;    // a cluster camera (`hosts:`): its lease as of the newest renewal round
};

// What POST /api/v1/cameras/{name}/events asks for; unset fields take the camera's configured values.
struct EventRequest {
  std::string label;
  std::optional<double> score;
  std::optional<std::string> metadata_json;  // any JSON value, stored as text
  std::optional<int64_t> preroll_ns;
  std::optional<int64_t> postroll_ns;
  std::optional<int64_t> duration_ns;        // unset: until ended (or max_length)
  std::optional<int64_t> start_wall_ns;      // unset: now; may be in the past
};

// A camera whose footage the catalog still holds but that the configuration no longer has (renamed or removed
// by a reload, or while no daemon ran). Its footage stays reachable under the name it was recorded under for as
// long as retention keeps it; the global retention applies to it (docs/service.md, "Retired cameras").
struct RetiredCamera {
  std::string name;     // the catalog stream without the configured ring_prefix (the whole stream name otherwise)
  std::string stream;
  std::optional<int64_t> first_wall_ns;  // the start of its oldest recording (unset: nothing recorded)
  int64_t last_wall_ns = 0;              // where its footage ends
  int64_t bytes = 0;
};

// The uploader of closed segments to S3 (docs/object-storage.md), for /api/v1/health and /metrics.
struct UploadStatus {
  int64_t queued = 0;          // closed segments without an S3 copy (the catalog's backlog, last pass)
  int64_t uploaded = 0;        // copies confirmed since start
  int64_t uploaded_bytes = 0;
  int64_t failures = 0;        // failed attempts since start (each is retried)
  int64_t local_removed = 0;   // local copies removed by storage.s3.local_max_age since start
  int64_t remote_deleted = 0;  // S3 copies deleted by retention since start
  bool retrying = false;       // the last attempt failed: waiting to retry (backoff)
  std::string last_error;      // the newest failure; empty when none
};

struct StorageStatus {
  std::optional<UploadStatus> s3;  // set when storage.s3 is configured
  int64_t free_bytes = 0;
  int64_t segments = 0;     // catalog rows
  int64_t recordings = 0;
  int64_t events = 0;
};

// The MQTT link (docs/service.md, "MQTT"), for /api/v1/health.
struct MqttStatus {
  bool connected = false;
  int64_t queued = 0;     // waiting for the broker (bounded; the oldest is dropped when full)
  int64_t dropped = 0;    // dropped from a full queue since start
  int64_t published = 0;  // handed to the broker since start
  int64_t received = 0;   // events taken from <prefix>/<camera>/event
  int64_t rejected = 0;   // payloads on that topic that made no event (logged)
};

// Publishing into the cluster catalog (docs/cluster.md), for /api/v1/health and /metrics.
struct ClusterStatus {
  int64_t publishes = 0, failures = 0;
  int64_t last_success_wall_ns = 0;  // 0: none yet
  std::string last_error;            // empty after a success
};

// The cluster catalog seen from this host (docs/cluster.md, "In zcrecd"): every camera of every host.
struct ClusterCameraView {
  std::string camera;
  std::string host;  // of its newest footage
  int64_t newest_end_wall_ns = 0;
};
struct ClusterFootageView {
  std::string host;
  int64_t start_wall_ns = 0, end_wall_ns = 0;  // end: where it stops being current (a later lease epoch cuts it)
  int64_t frames = 0, bytes = 0;
  bool writing = false;
  std::optional<int64_t> lease_epoch;  // none: its camera has no lease
};

// A segment of a camera in the cluster catalog, for a clip built on this host (docs/cluster.md, "Clips of any
// host's footage"): `row` as the recording host's catalog has it (id = its local id, path relative to its storage
// directory, location and s3_key of its copies); current_end_wall_ns as ClusterFootageView's end.
struct ClusterSegmentView {
  std::string host;
  std::string host_api_url;  // where that host's API answers ('' unknown)
  catalog::SegmentRow row;
  int64_t current_end_wall_ns = 0;
};

class Service {
 public:
  // Starts every camera. Throws ConfigError/ServiceError when the storage directory cannot be used.
  // zcrec_path: the `zcrec` binary the ingest children run.
  // clock: the one clock every part of the service reads the time from (zc/fifo/clock.h); a test may pass its own.
  // Without it, the host's (fifo::SystemClock).
  static std::unique_ptr<Service> start(ServiceConfig config, std::filesystem::path zcrec_path,
                                        std::shared_ptr<const fifo::Clock> clock);
  static std::unique_ptr<Service> start(ServiceConfig config, std::filesystem::path zcrec_path);
  virtual ~Service() = default;

  // The clock given to start(): the HTTP routes, the MQTT bridge and the cameras read the time from it.
  virtual const fifo::Clock& clock() const = 0;

  virtual ServiceConfig config() const = 0;
  virtual std::vector<CameraStatus> cameras() const = 0;
  virtual StorageStatus storage() const = 0;
  // Cameras with footage in the catalog that the configuration no longer has, by name.
  virtual std::vector<RetiredCamera> retired_cameras() const = 0;
  // The catalog stream holding the footage of camera `name`: a configured camera's, else a retired camera's (the
  // stream ring_prefix + name, or a stream named `name` itself). Throws ServiceError(not_found) for neither.
  virtual std::string footage_stream(const std::string& name) const = 0;
  // Throws ServiceError: not_found (no such camera), bad_request (start too old/in the future, events off).
  virtual int64_t create_event(const std::string& camera, const EventRequest& request) = 0;
  // Throws ServiceError: not_found, conflict (already ended).
  virtual void end_event(int64_t event_id) = 0;
  // Re-reads config().file; cameras whose configuration did not change keep streaming and recording. A bad new
  // configuration throws ConfigError and the running one stays. Returns the names of cameras added, changed,
  // removed (for the log and the API's answer).
  struct ReloadResult {
    std::vector<std::string> added, changed, removed;
  };
  virtual ReloadResult reload() = 0;
  // The MQTT link's state; unset when the configuration has no mqtt block.
  virtual std::optional<MqttStatus> mqtt() const { return std::nullopt; }
  virtual std::optional<ClusterStatus> cluster() const { return std::nullopt; }
  // From the cluster catalog. Throw ServiceError: not_found without a `cluster:` block, unavailable when
  // PostgreSQL cannot be reached.
  virtual std::vector<ClusterCameraView> cluster_cameras() const {
    throw ServiceError(ServiceError::Kind::not_found, "this zcrecd has no cluster: block");
  }
  virtual std::vector<ClusterFootageView> cluster_footage(const std::string& camera, int64_t from_wall_ns,
                                                          int64_t to_wall_ns) const {
    (void)camera, (void)from_wall_ns, (void)to_wall_ns;
    throw ServiceError(ServiceError::Kind::not_found, "this zcrecd has no cluster: block");
  }
  virtual std::vector<ClusterSegmentView> cluster_segments(const std::string& camera, int64_t from_wall_ns,
                                                          int64_t to_wall_ns) const {
    (void)camera, (void)from_wall_ns, (void)to_wall_ns;
    throw ServiceError(ServiceError::Kind::not_found, "this zcrecd has no cluster: block");
  }
  // Where an event for `camera` must go instead of this host: the API URL of the cluster host that holds its
  // lease, when another host holds it and announced one (docs/cluster.md, "Events on any host").
  virtual std::optional<std::string> event_holder_url(const std::string& camera) const {
    (void)camera;
    return std::nullopt;
  }
  virtual std::string cluster_host() const { return ""; }
  // Stops recording (open recordings close as complete, events end 'shutdown') and the ingest children.
  virtual void stop() = 0;
};

}  // namespace zc::service

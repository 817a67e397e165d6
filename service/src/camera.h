// One camera in zcrecd: its ingest (an IngestSupervisor: the `zcrec feed` process, restarted with backoff, and
// the status sampled from its ring; or, for `source: push`, a PushIngest that only samples the ring the RTSP
// server writes), its events, and its recording — continuous segments, events as rows over
// them, or event-only recordings. Two threads: the ingest supervisor's and the recording loop (docs/service.md,
// "Process tree" and "Events").
#pragma once

#include "ingest_supervisor.h"
#include "lease_gate.h"
#include "log.h"
#include "push_ingest.h"
#include "shared_catalog.h"

#include <zc/fifo/clock.h>
#include <zc/recorder/recorder.h>
#include <zc/service/config.h>
#include <zc/service/service.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace zc::service {

// What a camera needs from the daemon: the settings it runs with (a change to any of them restarts it on reload).
struct CameraSetup {
  CameraConfig camera;
  std::string ring;                  // ServiceConfig::ring_name
  std::filesystem::path storage_dir;
  int64_t segment_ns = 0;
  catalog::RetentionPolicy retention;  // effective (camera's own over the global defaults)
  int64_t event_max_age_ns = 0;
  bool operator==(const CameraSetup& o) const {
    return same_camera(camera, o.camera) && ring == o.ring && storage_dir == o.storage_dir &&
           segment_ns == o.segment_ns && same_retention(retention, o.retention) &&
           event_max_age_ns == o.event_max_age_ns;
  }
};

CameraSetup camera_setup(const ServiceConfig& config, const CameraConfig& camera);

class Camera {
 public:
  // lease: a cluster camera's gate (docs/cluster.md): it records only while the gate allows, under the lease's
  // epoch and from its from_wall_ns; null: it records as configured. clock: the service's (outlives the camera);
  // every time the camera and its recorder read comes from it.
  Camera(CameraSetup setup, std::filesystem::path zcrec, SharedCatalog& catalog, const Logger& log,
         const fifo::Clock& clock, std::shared_ptr<LeaseGate> lease = nullptr);
  ~Camera();  // stop()
  Camera(const Camera&) = delete;
  Camera& operator=(const Camera&) = delete;

  const CameraSetup& setup() const noexcept { return setup_; }
  CameraStatus status() const;

  // Throws ServiceError (bad_request) for a start in the future or events that are off.
  int64_t create_event(const EventRequest& request);
  // True when the event was one of this camera's open events (now ended), false when it is not this camera's.
  bool end_event(int64_t event_id);

  // Ends open events ('shutdown'), finishes the recording, stops the ingest process. Idempotent.
  void stop();

 private:
  struct OpenEvent {
    int64_t start_wall_ns = 0;
    int64_t preroll_ns = 0;
    int64_t postroll_ns = 0;
    std::optional<int64_t> planned_end_wall_ns;  // start + duration
    int64_t hard_end_wall_ns = 0;                // start + max_length
    bool attached = false;                       // counted by the running event recording
  };

  void recording_loop();
  void end_due_events(int64_t now_wall_ns);
  void end_event_locked(int64_t id, int64_t end_wall_ns, const std::string& reason);
  bool start_recorder(int64_t now_wall_ns);
  void finish_recorder();
  // Stops the recorder, lets it write what the ring holds for at most `limit` (a post-roll is cut short), then
  // finishes it: a shutdown, or a lease lost.
  void end_recorder_within(std::chrono::nanoseconds limit);

  CameraSetup setup_;
  std::filesystem::path zcrec_;
  SharedCatalog& catalog_;
  const Logger& log_;
  const fifo::Clock& clock_;

  mutable std::mutex mutex_;  // status_, open_, last_error_
  std::condition_variable wake_;
  CameraStatus status_;
  std::map<int64_t, OpenEvent> open_;
  std::atomic<bool> stopping_{false};  // the recording loop ends; then the ingest is stopped (after the last fragment)

  std::optional<recorder::Recorder> recorder_;  // recording thread only
  // Wakes the recorder asleep on its ring (it sleeps up to 250 ms between keyframes) when an event or a stop
  // needs the recording thread now; any thread raises it.
  std::shared_ptr<fifo::WakeSignal> recorder_wake_ = std::make_shared<fifo::WakeSignal>();
  bool recorder_is_continuous_ = false;
  std::shared_ptr<LeaseGate> lease_;
  int64_t recorder_epoch_ = 0;  // the lease epoch the running recorder records under
  bool recorder_stopping_ = false;

  std::optional<IngestSupervisor> ingest_;
  std::optional<PushIngest> push_;  // instead of ingest_ for `source: push`
  std::thread recording_thread_;
};

}  // namespace zc::service

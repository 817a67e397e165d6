#include "metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>
#include <string_view>

#include <zc/service/camera_state.h>

namespace zc::service {

namespace {

// Each state of camera_state.h becomes one series that is 1 for the current state and 0 for the others, the
// usual Prometheus shape for an enum, so alerts can say `== 1` without parsing strings.
template <typename State, std::size_t N>
void add_state_set(prometheus::Family<prometheus::Gauge>& family, const std::string& camera,
                   const std::array<StateInfo<State>, N>& states, State current) {
  for (const auto& s : states)
    family.Add({{"camera", camera}, {"state", std::string(s.name)}}).Set(s.state == current ? 1 : 0);
}

// Counters come from the service's own totals: each scrape builds a fresh registry and sets a counter by
// incrementing it once from zero (a counter that restarts from zero, e.g. a recreated ring, is what Prometheus
// calls a reset and handles).
void add_total(prometheus::Family<prometheus::Counter>& family, const std::string& camera, int64_t value) {
  family.Add({{"camera", camera}}).Increment(static_cast<double>(std::max<int64_t>(value, 0)));
}

}  // namespace

std::string render_metrics(const std::vector<CameraStatus>& cameras, const StorageStatus& storage,
                           const std::optional<ClusterStatus>& cluster) {
  using prometheus::BuildCounter;
  using prometheus::BuildGauge;
  prometheus::Registry registry;

  auto& frames_in = BuildCounter().Name("zcrec_camera_frames_in_total")
                        .Help("Frames the camera's ingest wrote into its ring since the ring was created")
                        .Register(registry);
  auto& bytes_in = BuildCounter().Name("zcrec_camera_bytes_in_total")
                       .Help("Payload bytes the camera's ingest wrote into its ring since the ring was created")
                       .Register(registry);
  auto& frames_lost = BuildCounter().Name("zcrec_camera_frames_lost_total")
                          .Help("Frames the camera's recordings lost (lapped by the writer, dropped)")
                          .Register(registry);
  auto& reconnects = BuildCounter().Name("zcrec_camera_reconnects_total")
                         .Help("Reconnects to the camera plus restarts of its ingest process")
                         .Register(registry);
  auto& restarts = BuildCounter().Name("zcrec_camera_ingest_restarts_total")
                       .Help("Times the camera's ingest process died and was started again")
                       .Register(registry);
  auto& history = BuildGauge().Name("zcrec_camera_ring_history_seconds")
                      .Help("Media time the camera's ring holds: the pre-roll an event can have")
                      .Register(registry);
  auto& fps = BuildGauge().Name("zcrec_camera_fps").Help("Video frames per second into the ring, last seconds")
                  .Register(registry);
  auto& bitrate = BuildGauge().Name("zcrec_camera_bitrate_bits_per_second")
                      .Help("Payload bits per second into the ring, last seconds")
                      .Register(registry);
  auto& latency = BuildGauge().Name("zcrec_camera_segment_write_latency_seconds")
                      .Help("Newest fragment: its last frame captured until the fragment was durable")
                      .Register(registry);
  auto& open_events = BuildGauge().Name("zcrec_camera_open_events").Help("Events of the camera not ended yet")
                          .Register(registry);
  auto& ingest_state = BuildGauge().Name("zcrec_camera_ingest_state")
                           .Help("1 for the camera's current ingest state, 0 for the others")
                           .Register(registry);
  auto& recording_state = BuildGauge().Name("zcrec_camera_recording_state")
                              .Help("1 for the camera's current recording state, 0 for the others")
                              .Register(registry);

  // Only when zcrecd serves RTSP: a series that is always 0 would say "nobody watches" when nobody can.
  auto& rtsp_clients = BuildGauge().Name("zcrec_camera_rtsp_clients").Help("RTSP clients playing the camera now")
                           .Register(registry);
  auto& rtsp_refused = BuildCounter().Name("zcrec_camera_rtsp_clients_refused_total")
                           .Help("RTSP clients turned away (every client place or reader slot taken, no stream yet)")
                           .Register(registry);
  auto& rtsp_bytes = BuildCounter().Name("zcrec_camera_rtsp_bytes_out_total")
                         .Help("Payload bytes handed to the camera's RTSP clients").Register(registry);
  auto& rtsp_dropped = BuildCounter().Name("zcrec_camera_rtsp_frames_dropped_total")
                           .Help("Frames not sent to RTSP clients that could not keep up (each resumes at a keyframe)")
                           .Register(registry);

  // Pushed cameras only (source: push, docs/serving.md "Streams pushed in").
  auto& pushes = BuildCounter().Name("zcrec_camera_pushes_total")
                     .Help("Pushers (RTSP ANNOUNCE/RECORD) accepted into the camera's ring").Register(registry);
  auto& pushes_refused = BuildCounter().Name("zcrec_camera_pushes_refused_total")
                             .Help("Pushers refused (another one was live, bad credentials)").Register(registry);
  auto& pushing = BuildGauge().Name("zcrec_camera_pushing").Help("1 while a pusher writes into the camera's ring")
                      .Register(registry);
  // Cluster cameras only (hosts:, docs/cluster.md "Leases and epochs").
  auto& lease_held = BuildGauge().Name("zcrec_camera_lease_held")
                         .Help("1 while this host holds the camera's cluster lease and records it").Register(registry);
  auto& lease_epoch = BuildGauge().Name("zcrec_camera_lease_epoch")
                          .Help("The camera's lease epoch: it rises by one at every takeover").Register(registry);

  for (const auto& c : cameras) {
    if (c.lease) {
      lease_held.Add({{"camera", c.name}}).Set(c.lease->held ? 1 : 0);
      lease_epoch.Add({{"camera", c.name}}).Set(static_cast<double>(c.lease->epoch));
    }
    if (c.rtsp && c.rtsp->push) {
      add_total(pushes, c.name, static_cast<int64_t>(c.rtsp->pushes));
      add_total(pushes_refused, c.name, static_cast<int64_t>(c.rtsp->pushes_refused));
      pushing.Add({{"camera", c.name}}).Set(c.rtsp->pushing ? 1 : 0);
    }
    if (c.rtsp) {
      rtsp_clients.Add({{"camera", c.name}}).Set(static_cast<double>(c.rtsp->clients));
      add_total(rtsp_refused, c.name, static_cast<int64_t>(c.rtsp->clients_refused));
      add_total(rtsp_bytes, c.name, static_cast<int64_t>(c.rtsp->bytes_sent));
      add_total(rtsp_dropped, c.name, static_cast<int64_t>(c.rtsp->frames_dropped));
    }
    add_total(frames_in, c.name, c.frames_in);
    add_total(bytes_in, c.name, c.bytes_in);
    add_total(frames_lost, c.name, c.frames_lost);
    add_total(reconnects, c.name, c.reconnects);
    add_total(restarts, c.name, c.ingest_restarts);
    history.Add({{"camera", c.name}}).Set(c.ring_history_s);
    fps.Add({{"camera", c.name}}).Set(c.fps);
    bitrate.Add({{"camera", c.name}}).Set(c.bitrate_bps);
    latency.Add({{"camera", c.name}}).Set(c.segment_write_latency_s);
    open_events.Add({{"camera", c.name}}).Set(static_cast<double>(c.open_events));
    add_state_set(ingest_state, c.name, kIngestStates, c.ingest_state);
    add_state_set(recording_state, c.name, kRecordingStates, c.recording_state);
  }

  BuildGauge().Name("zcrec_storage_free_bytes").Help("Bytes free on the storage directory's filesystem")
      .Register(registry).Add({}).Set(static_cast<double>(storage.free_bytes));
  auto& rows = BuildGauge().Name("zcrec_catalog_rows").Help("Rows in the catalog, by table").Register(registry);
  rows.Add({{"table", "segments"}}).Set(static_cast<double>(storage.segments));
  rows.Add({{"table", "recordings"}}).Set(static_cast<double>(storage.recordings));
  rows.Add({{"table", "events"}}).Set(static_cast<double>(storage.events));

  if (cluster) {
    BuildCounter().Name("zcrec_cluster_publishes_total").Help("Publishes of this host's catalog into the cluster catalog")
        .Register(registry).Add({}).Increment(static_cast<double>(cluster->publishes));
    BuildCounter().Name("zcrec_cluster_publish_failures_total")
        .Help("Failed attempts to publish into the cluster catalog (each is retried)")
        .Register(registry).Add({}).Increment(static_cast<double>(cluster->failures));
    BuildGauge().Name("zcrec_cluster_last_publish_timestamp_seconds")
        .Help("When the newest successful publish ended (Unix time; 0: none yet)")
        .Register(registry).Add({}).Set(static_cast<double>(cluster->last_success_wall_ns) / 1e9);
  }
  if (storage.s3) {  // docs/object-storage.md
    const UploadStatus& u = *storage.s3;
    BuildGauge().Name("zcrec_s3_upload_queue").Help("Closed segments waiting for their S3 copy")
        .Register(registry).Add({}).Set(static_cast<double>(u.queued));
    BuildCounter().Name("zcrec_s3_uploads_total").Help("Segment copies confirmed in S3 since start")
        .Register(registry).Add({}).Increment(static_cast<double>(u.uploaded));
    BuildCounter().Name("zcrec_s3_uploaded_bytes_total").Help("Bytes of the confirmed copies since start")
        .Register(registry).Add({}).Increment(static_cast<double>(u.uploaded_bytes));
    BuildCounter().Name("zcrec_s3_upload_failures_total").Help("Failed S3 attempts since start (each is retried)")
        .Register(registry).Add({}).Increment(static_cast<double>(u.failures));
    BuildCounter().Name("zcrec_s3_local_copies_removed_total")
        .Help("Local segment files removed by storage.s3.local_max_age (their S3 copy stays)")
        .Register(registry).Add({}).Increment(static_cast<double>(u.local_removed));
    BuildCounter().Name("zcrec_s3_copies_deleted_total").Help("S3 copies deleted by retention since start")
        .Register(registry).Add({}).Increment(static_cast<double>(u.remote_deleted));
  }

  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace zc::service

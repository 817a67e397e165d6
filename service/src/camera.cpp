#include "camera.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/recorder/error.h>

#include <algorithm>
#include <chrono>

namespace zc::service {

namespace {

using namespace std::chrono_literals;

// A continuous recording waits this long for the ring's writer to come back (an ingest restart) before it
// ends; the restart is a gap inside the same recording.
constexpr int64_t kWriterGraceNs = 60'000'000'000;
// The continuous recorder's pre-roll: all the ring holds. With resume_after_recorded, only what the catalog
// does not hold yet is recorded (a restarted daemon picks up where the dead one's last fragment ended).
constexpr int64_t kWholeRingNs = int64_t{24} * 3600 * 1'000'000'000;

}  // namespace

CameraSetup camera_setup(const ServiceConfig& config, const CameraConfig& camera) {
  CameraSetup s;
  s.camera = camera;
  s.ring = config.ring_name(camera);
  s.storage_dir = config.storage_dir;
  s.segment_ns = config.segment_ns;
  s.retention = config.retention_for(camera);
  s.event_max_age_ns = camera.event_max_age_ns.value_or(config.event_max_age_ns);
  return s;
}

Camera::Camera(CameraSetup setup, std::filesystem::path zcrec, SharedCatalog& catalog, const Logger& log,
               const fifo::Clock& clock, std::shared_ptr<LeaseGate> lease)
    : setup_(std::move(setup)),
      zcrec_(std::move(zcrec)),
      catalog_(catalog),
      log_(log),
      clock_(clock),
      lease_(std::move(lease)) {
  status_.name = setup_.camera.name;
  status_.ingest_state = IngestState::starting;
  status_.recording_state = RecordingState::idle;
  const auto update = [this](const std::function<void(CameraStatus&)>& change) {
    std::lock_guard lock(mutex_);
    change(status_);
  };
  if (setup_.camera.pushed())
    push_.emplace(setup_.ring, clock_, update);
  else
    ingest_.emplace(ingest_spec(zcrec_, setup_.camera, setup_.ring), ingest_pid_file(setup_.storage_dir, setup_.ring),
                    setup_.camera.name, log_, clock_, update);
  recording_thread_ = std::thread([this] { recording_loop(); });
}

Camera::~Camera() { stop(); }

void Camera::stop() {
  // Idempotent (the destructor calls it again); never called for one camera from two threads at once.
  // The recording first (it ends its events and writes its last fragment while the ring still has a writer),
  // then the ingest.
  stopping_ = true;
  wake_.notify_all();
  recorder_wake_->raise();
  if (recording_thread_.joinable()) recording_thread_.join();
  if (ingest_) ingest_->stop();
  if (push_) push_->stop();
}

CameraStatus Camera::status() const {
  std::lock_guard lock(mutex_);
  CameraStatus s = status_;
  s.open_events = static_cast<int64_t>(open_.size());
  return s;
}

// --- events ---

namespace {
constexpr int64_t kMaxEventAgeNs = 366LL * 86400 * 1'000'000'000;
}  // namespace

int64_t Camera::create_event(const EventRequest& request) {
  const CameraConfig& c = setup_.camera;
  if (!c.continuous && !c.events.enabled) {
    throw ServiceError(ServiceError::Kind::bad_request,
                       "camera " + c.name + " records neither continuously nor on events (record.events is off)");
  }
  const int64_t now = clock_.wall_ns();
  OpenEvent e;
  e.start_wall_ns = request.start_wall_ns.value_or(now);
  if (e.start_wall_ns > now + 1'000'000'000) {
    throw ServiceError(ServiceError::Kind::bad_request, "an event cannot start in the future");
  }
  // A year back is more than any ring or retention holds; older is a client's mistake (a year 1700 start was
  // accepted and recorded current footage: found by an attacker trial).
  if (e.start_wall_ns < now - kMaxEventAgeNs) {
    throw ServiceError(ServiceError::Kind::bad_request, "an event cannot start more than 366 days ago");
  }
  e.preroll_ns = request.preroll_ns.value_or(c.events.preroll_ns);
  e.postroll_ns = request.postroll_ns.value_or(c.events.postroll_ns);
  e.hard_end_wall_ns = c.events.max_length_ns ? e.start_wall_ns + *c.events.max_length_ns : INT64_MAX;
  if (request.duration_ns) e.planned_end_wall_ns = e.start_wall_ns + *request.duration_ns;

  catalog::NewEvent row;
  row.stream_name = setup_.ring;
  row.label = request.label;
  row.score = request.score;
  row.metadata_json = request.metadata_json.value_or("");
  row.trigger_wall_ns = now;
  row.start_wall_ns = e.start_wall_ns;
  row.preroll_ns = e.preroll_ns;
  row.postroll_ns = e.postroll_ns;
  row.max_length_ns = c.events.max_length_ns;
  const int64_t id = catalog_.with([&](catalog::Catalog& cat) { return cat.add_event(row); });
  {
    std::lock_guard lock(mutex_);
    open_[id] = e;
  }
  wake_.notify_all();
  recorder_wake_->raise();
  log_.info("camera " + c.name + ": event " + std::to_string(id) + (request.label.empty() ? "" : " (" + request.label + ")") +
            " opened");
  return id;
}

bool Camera::end_event(int64_t event_id) {
  std::lock_guard lock(mutex_);
  if (!open_.count(event_id)) return false;
  end_event_locked(event_id, clock_.wall_ns(), "ended");
  wake_.notify_all();
  recorder_wake_->raise();
  return true;
}

void Camera::end_event_locked(int64_t id, int64_t end_wall_ns, const std::string& reason) {
  const auto it = open_.find(id);
  if (it == open_.end()) return;
  const int64_t end = std::max(end_wall_ns, it->second.start_wall_ns);
  open_.erase(it);
  try {
    catalog_.with([&](catalog::Catalog& cat) { cat.end_event(id, end, reason); });
  } catch (const std::exception& e) {
    status_.last_error = "event " + std::to_string(id) + ": " + e.what();
  }
}

void Camera::end_due_events(int64_t now_wall_ns) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<int64_t, std::pair<int64_t, const char*>>> due;
  for (const auto& [id, e] : open_) {
    // An event-only camera's event whose end has passed already (it started in the past and was short) ends
    // only once a recording holds it: ending it first would leave it without footage.
    if (!setup_.camera.continuous && !e.attached) continue;
    if (e.planned_end_wall_ns && *e.planned_end_wall_ns <= now_wall_ns && *e.planned_end_wall_ns <= e.hard_end_wall_ns)
      due.push_back({id, {*e.planned_end_wall_ns, "duration"}});
    else if (e.hard_end_wall_ns <= now_wall_ns)
      due.push_back({id, {e.hard_end_wall_ns, "max_length"}});
  }
  for (const auto& [id, why] : due) end_event_locked(id, why.first, why.second);
}

// --- recording ---

bool Camera::start_recorder(int64_t now_wall_ns) {
  const CameraConfig& c = setup_.camera;
  recorder::RecorderOptions o;
  o.stream = setup_.ring;
  o.dir = setup_.storage_dir;
  o.segment_ns = setup_.segment_ns;
  o.retention = setup_.retention;
  o.retention.event_max_age_ns = setup_.event_max_age_ns;
  o.writer_grace_ns = kWriterGraceNs;
  o.wake = recorder_wake_;
  // Never record a frame twice: a pre-roll reaching into footage an earlier recording of this camera holds
  // starts at the first keyframe after it (docs/service.md, "Events").
  o.resume_after_recorded = true;
  if (lease_) {
    // A takeover records from the end of the camera's footage in the cluster catalog (another host's), out of
    // this host's ring: nothing twice, and with a standby ingest nothing lost but the detection time.
    recorder_epoch_ = lease_->epoch();
    o.lease_epoch = recorder_epoch_;
    o.resume_after_wall_ns = lease_->from_wall_ns();
  }
  o.on_warning = [this](const std::string& w) {
    log_.warning("camera " + setup_.camera.name + ": " + w);
    std::lock_guard lock(mutex_);
    status_.last_error = w;
  };
  std::vector<int64_t> attach;
  if (c.continuous) {
    o.timing.preroll_ns = kWholeRingNs;
    o.timing.postroll_ns = 0;
    o.kind = "continuous";
  } else {
    // An event recording: from the earliest pending event's start less its pre-roll (which may lie in the past
    // as far as the ring holds), open-ended: the loop stops it when its events are over.
    std::lock_guard lock(mutex_);
    if (open_.empty()) return false;
    int64_t from = INT64_MAX, postroll = c.events.postroll_ns;
    for (auto& [id, e] : open_) {
      from = std::min(from, e.start_wall_ns - e.preroll_ns);
      postroll = std::max(postroll, e.postroll_ns);
      attach.push_back(id);
    }
    o.timing.preroll_ns = std::max<int64_t>(0, now_wall_ns - from);
    o.timing.postroll_ns = postroll;
    if (c.events.max_length_ns) o.timing.max_length_ns = *c.events.max_length_ns + o.timing.preroll_ns + postroll;
  }
  try {
    recorder_.emplace(recorder::Recorder::start(o, clock_));
  } catch (const fifo::FifoError& e) {
    // No ring yet (the ingest is starting) or no video in it yet: try again shortly.
    std::lock_guard lock(mutex_);
    status_.recording_state = RecordingState::waiting;
    return false;
  } catch (const recorder::RecorderError& e) {
    // No video track in the ring yet: the ingest is still connecting (its ring exists from the start).
    const bool no_video = e.code() == recorder::RecorderErrc::no_stream;
    if (!no_video) log_.error("camera " + c.name + ": cannot record: " + e.what());
    std::lock_guard lock(mutex_);
    status_.recording_state = no_video ? RecordingState::waiting : RecordingState::error;
    if (!no_video) status_.last_error = e.what();
    return false;
  } catch (const std::exception& e) {
    log_.error("camera " + c.name + ": cannot record: " + e.what());
    std::lock_guard lock(mutex_);
    status_.recording_state = recorder::is_no_space(e) ? RecordingState::disk_full : RecordingState::error;
    status_.last_error = e.what();
    return false;
  }
  recorder_is_continuous_ = c.continuous;
  recorder_stopping_ = false;
  const int64_t rec_id = recorder_->summary().recording_id;
  std::lock_guard lock(mutex_);
  for (int64_t id : attach) {
    auto it = open_.find(id);
    if (it == open_.end()) continue;
    it->second.attached = true;
    catalog_.with([&](catalog::Catalog& cat) { cat.set_event_recording(id, rec_id); });
  }
  return true;
}

void Camera::finish_recorder() {
  const auto& sum = recorder_->summary();
  log_.info("camera " + setup_.camera.name + ": recording " + std::to_string(sum.recording_id) + " ended (" +
            recorder::to_string(sum.end_reason) + ", " + std::to_string(sum.segments) +
                (sum.segments == 1 ? " segment)" : " segments)"));
  {
    std::lock_guard lock(mutex_);
    status_.frames_lost += sum.frames_lost;
    if (!recorder_is_continuous_) {
      // Events still open when their recording ended by itself (max length, writer gone for good).
      std::vector<int64_t> ids;
      for (const auto& [id, e] : open_)
        if (e.attached) ids.push_back(id);
      for (int64_t id : ids)
        end_event_locked(id, sum.end_wall_ns, sum.end_reason == recorder::EndReason::max_length ? "max_length" : "ended");
    }
  }
  recorder_.reset();
}

void Camera::recording_loop() {
  const CameraConfig& c = setup_.camera;
  while (!stopping_) {
    const int64_t now = clock_.wall_ns();
    end_due_events(now);
    // A cluster camera records only while this host holds its lease, under the epoch it holds (a lease lost and
    // taken again is a new epoch: a new recording).
    if (lease_ && (!lease_->may_record() || (recorder_ && lease_->epoch() != recorder_epoch_))) {
      if (recorder_) {
        log_.warning("camera " + c.name + ": this host no longer holds its lease; recording stops");
        // What the ring holds now is written (its rows carry the old epoch: the cluster shows them only up to the
        // new holder's start); an event recording's post-roll is cut short.
        end_recorder_within(1s);
        continue;
      }
      std::unique_lock lock(mutex_);
      status_.recording_state = RecordingState::standby;
      wake_.wait_for(lock, 100ms, [this] { return stopping_.load(); });
      continue;
    }
    if (!recorder_) {
      bool want = c.continuous;
      if (!want) {
        std::lock_guard lock(mutex_);
        want = !open_.empty();
      }
      if (!want || !start_recorder(now)) {
        std::unique_lock lock(mutex_);
        if (!want) status_.recording_state = RecordingState::idle;
        wake_.wait_for(lock, want ? 500ms : 200ms, [this] { return stopping_.load(); });
        continue;
      }
    }
    if (!recorder_is_continuous_) {
      // New events join the running recording (a re-trigger: a post-roll in progress becomes active again); when
      // none is left open, the recording enters its post-roll.
      bool any_open = false;
      std::vector<int64_t> join;
      {
        std::lock_guard lock(mutex_);
        for (auto& [id, e] : open_) {
          any_open = true;
          if (!e.attached) {
            e.attached = true;
            join.push_back(id);
          }
        }
      }
      if (!join.empty()) {
        recorder_->trigger();
        recorder_stopping_ = false;
        const int64_t rec_id = recorder_->summary().recording_id;
        for (int64_t id : join) catalog_.with([&](catalog::Catalog& cat) { cat.set_event_recording(id, rec_id); });
      }
      if (!any_open && !recorder_stopping_) {
        recorder_->stop();
        recorder_stopping_ = true;
      }
    }
    {
      std::lock_guard lock(mutex_);
      size_t open = open_.size();
      status_.recording_state = recorder_->summary().disk_full ? RecordingState::disk_full
                                : !recorder_is_continuous_ ? RecordingState::event
                                : open                     ? RecordingState::continuous_event
                                                           : RecordingState::continuous;
    }
    bool alive = true;
    {
      std::lock_guard lock(mutex_);
      status_.segment_write_latency_s = static_cast<double>(recorder_->summary().fragment_latency_ns) / 1e9;
    }
    try {
      alive = recorder_->poll(fifo::kMaxWakeDelay);  // woken early by recorder_wake_
    } catch (const std::exception& e) {
      log_.error("camera " + c.name + ": recording failed: " + e.what());
      std::lock_guard lock(mutex_);
      status_.recording_state = recorder::is_no_space(e) ? RecordingState::disk_full : RecordingState::error;
      status_.last_error = e.what();
      alive = false;
    }
    if (!alive) finish_recorder();
  }
  // Shutdown: open events end now; the recording writes what it has and closes.
  {
    std::lock_guard lock(mutex_);
    std::vector<int64_t> ids;
    for (const auto& kv : open_) ids.push_back(kv.first);
    for (int64_t id : ids) end_event_locked(id, clock_.wall_ns(), "shutdown");
  }
  if (recorder_) end_recorder_within(3s);
  std::lock_guard lock(mutex_);
  status_.recording_state = RecordingState::idle;
}

void Camera::end_recorder_within(std::chrono::nanoseconds limit) {
  recorder_->stop();
  const int64_t deadline = clock_.mono_ns() + limit.count();
  try {
    while (recorder_->poll(100ms) && clock_.mono_ns() < deadline) {
    }
  } catch (const std::exception& e) {
    log_.error("camera " + setup_.camera.name + ": " + e.what());
  }
  finish_recorder();
}

}  // namespace zc::service

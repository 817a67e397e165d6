// The states a camera shows in zcrecd: one enum for its ingest, one for its recording, each with the one list
// of names that GET /api/v1/cameras, /metrics (the state sets), the web page and docs/service.md ("Camera
// states") all use. tests/service/camera_state_test.cpp holds the documented tables to these lists.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace zc::service {

enum class IngestState : uint8_t {
  starting,      // the ingest process is being started or adopted; it has not reported on its source yet
  connecting,    // the ingest process is opening the camera for the first time
  streaming,     // frames flow into the ring
  reconnecting,  // the camera failed (refused, ended, silent for the read timeout); the ingest retries it
  restarting,    // the ingest process ended; it is started again after a backoff
  stopped,       // the camera is stopped (daemon shutdown, or removed by a reload)
  disabled,      // `enabled: false` in the configuration: no ingest, no recording; its footage is kept
  waiting_for_pusher,  // `source: push`: no encoder pushes into the camera's ring now (docs/serving.md)
  elsewhere,     // a camera of the cluster that another host holds the lease of; nothing runs here (docs/cluster.md)
};

enum class RecordingState : uint8_t {
  idle,              // nothing to record: an event-only camera without an open event
  waiting,           // a recording is wanted but cannot start yet: no ring, or no video keyframe in it yet
  continuous,        // the continuous recording runs
  event,             // an event recording runs (pre-roll, open events, post-roll)
  continuous_event,  // the continuous recording runs and events are open over it
  disk_full,         // the recording is paused by a full disk: frames are dropped until space is freed
  error,             // the recording failed (last_error says why); it is started again
  standby,           // a cluster camera's ingest runs here but another host holds its lease and records it
};

// Each state with its name (the API's and the metrics' label value), whether it is trouble an operator should
// look at (the page marks it), and what it means (the page's tooltip; docs/service.md has the same words).
template <typename State>
struct StateInfo {
  State state;
  std::string_view name;
  bool trouble;
  std::string_view meaning;
};

inline constexpr std::array<StateInfo<IngestState>, 9> kIngestStates = {{
    {IngestState::starting, "starting", false,
     "the ingest process is being started or adopted and has not reported on its camera yet"},
    {IngestState::connecting, "connecting", false, "the ingest process is opening the camera for the first time"},
    {IngestState::streaming, "streaming", false, "frames flow into the ring"},
    {IngestState::reconnecting, "reconnecting", true,
     "the camera refused, ended the stream or sent no frame for the read timeout; the ingest retries with backoff "
     "(last_error says why, reconnects counts the attempts)"},
    {IngestState::restarting, "restarting", true,
     "the ingest process ended; it is started again after a backoff (last_error says how it ended)"},
    {IngestState::stopped, "stopped", false, "the camera is stopped (daemon shutdown, or removed by a reload)"},
    {IngestState::disabled, "disabled", false,
     "enabled: false in the configuration: no ingest and no recording; its footage and settings are kept"},
    {IngestState::waiting_for_pusher, "waiting_for_pusher", false,
     "source: push: no encoder pushes into rtsp://LISTEN/<camera> now; the camera waits for one (its ring and "
     "footage stay)"},
    {IngestState::elsewhere, "elsewhere", false,
     "a cluster camera whose lease another host holds: that host runs and records it, nothing runs here "
     "(docs/cluster.md)"},
}};

inline constexpr std::array<StateInfo<RecordingState>, 8> kRecordingStates = {{
    {RecordingState::idle, "idle", false, "nothing to record: an event-only camera without an open event"},
    {RecordingState::waiting, "waiting", false,
     "a recording is wanted but cannot start yet: the camera's ring does not exist or holds no video keyframe"},
    {RecordingState::continuous, "continuous", false, "the continuous recording runs"},
    {RecordingState::event, "event", false, "an event recording runs (pre-roll, open events, post-roll)"},
    {RecordingState::continuous_event, "continuous+event", false,
     "the continuous recording runs and events are open over it"},
    {RecordingState::disk_full, "disk_full", true,
     "the recording is paused by a full disk: frames are dropped (gap rows disk_full) until space is freed"},
    {RecordingState::error, "error", true, "the recording failed (last_error says why); it is started again"},
    {RecordingState::standby, "standby", false,
     "a cluster camera with standby: true whose lease another host holds: its ring fills here, so a takeover "
     "records from the end of the cluster's footage (docs/cluster.md)"},
}};

template <typename State, std::size_t N>
constexpr std::string_view name_in(const std::array<StateInfo<State>, N>& all, State s) noexcept {
  for (const auto& i : all)
    if (i.state == s) return i.name;
  return "unknown";
}

constexpr std::string_view to_string(IngestState s) noexcept { return name_in(kIngestStates, s); }
constexpr std::string_view to_string(RecordingState s) noexcept { return name_in(kRecordingStates, s); }

// The state whose name is `name`, if any (the inverse of to_string).
template <typename State, std::size_t N>
constexpr std::optional<State> state_named(const std::array<StateInfo<State>, N>& all, std::string_view name) noexcept {
  for (const auto& i : all)
    if (i.name == name) return i.state;
  return std::nullopt;
}

// Every enumerator is listed, in its order: a state added to an enum and not to its list fails to compile.
static_assert([] {
  for (std::size_t i = 0; i < kIngestStates.size(); ++i)
    if (static_cast<std::size_t>(kIngestStates[i].state) != i) return false;
  for (std::size_t i = 0; i < kRecordingStates.size(); ++i)
    if (static_cast<std::size_t>(kRecordingStates[i].state) != i) return false;
  return static_cast<std::size_t>(IngestState::elsewhere) + 1 == kIngestStates.size() &&
         static_cast<std::size_t>(RecordingState::standby) + 1 == kRecordingStates.size();
}());

}  // namespace zc::service

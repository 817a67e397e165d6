// When a recording ends: the pre-roll / post-roll / re-trigger / maximum-length state machine, driven by
// monotonic times passed in (frame capture times and the injected clock), with no I/O of its own.
//
//   trigger at T ──► active ──stop(t) or T+duration──► post-roll until t+postroll ──► ended
//                      ▲                                      │
//                      └──────────── trigger(t') ─────────────┘   (re-trigger extends, camera-style)
// The whole recording is also capped at first_frame + max_length when a maximum is set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace zc::recorder {

struct SessionTiming {
  int64_t preroll_ns = 5'000'000'000;
  int64_t postroll_ns = 5'000'000'000;
  std::optional<int64_t> duration_ns;    // stop by itself this long after each trigger
  std::optional<int64_t> max_length_ns;  // hard cap from the first recorded frame
};

enum class EndReason { stopped, duration, max_length, writer_gone, error };
std::string to_string(EndReason r);

class RecordingSession {
 public:
  // trigger_mono_ns: capture time of the newest frame when recording started (T).
  RecordingSession(const SessionTiming& timing, int64_t trigger_mono_ns);

  void trigger(int64_t now_mono_ns);  // re-trigger: extends an active or post-rolling recording
  void stop(int64_t now_mono_ns);     // enter post-roll (idempotent: an earlier stop wins)
  void first_frame(int64_t frame_mono_ns);

  // Whether a frame captured at frame_mono_ns still belongs to the recording.
  bool accepts(int64_t frame_mono_ns) const noexcept;
  // Whether the recording is over at `now` even without further frames.
  bool over_at(int64_t now_mono_ns) const noexcept { return !accepts(now_mono_ns); }
  // The monotonic time at which the recording ends (INT64_MAX while open-ended).
  int64_t end_mono_ns() const noexcept;
  EndReason end_reason() const noexcept;
  bool stopping() const noexcept { return active_until_ != kOpen; }
  const SessionTiming& timing() const noexcept { return timing_; }

 private:
  static constexpr int64_t kOpen = INT64_MAX;
  SessionTiming timing_;
  int64_t active_until_ = kOpen;
  bool stopped_by_request_ = false;
  std::optional<int64_t> first_frame_mono_ns_;
};

}  // namespace zc::recorder

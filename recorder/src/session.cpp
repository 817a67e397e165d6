#include <zc/recorder/session.h>

#include <algorithm>

namespace zc::recorder {
namespace {
int64_t sat_add(int64_t a, int64_t b) { return a > INT64_MAX - b ? INT64_MAX : a + b; }
}  // namespace

std::string to_string(EndReason r) {
  switch (r) {
    case EndReason::stopped: return "stopped";
    case EndReason::duration: return "duration";
    case EndReason::max_length: return "max_length";
    case EndReason::writer_gone: return "writer_gone";
    case EndReason::error: return "error";
  }
  return "error";
}

RecordingSession::RecordingSession(const SessionTiming& timing, int64_t trigger_mono_ns) : timing_(timing) {
  if (timing_.duration_ns) active_until_ = sat_add(trigger_mono_ns, *timing_.duration_ns);
}

void RecordingSession::trigger(int64_t now_mono_ns) {
  if (timing_.duration_ns) {
    active_until_ = std::max(active_until_, sat_add(now_mono_ns, *timing_.duration_ns));
  } else if (active_until_ != kOpen) {
    // Post-rolling after a stop: the new event restarts the post-roll from now.
    active_until_ = std::max(active_until_, now_mono_ns);
  }
}

void RecordingSession::stop(int64_t now_mono_ns) {
  if (now_mono_ns < active_until_) {
    active_until_ = now_mono_ns;
    stopped_by_request_ = true;
  }
}

void RecordingSession::first_frame(int64_t frame_mono_ns) {
  if (!first_frame_mono_ns_) first_frame_mono_ns_ = frame_mono_ns;
}

int64_t RecordingSession::end_mono_ns() const noexcept {
  int64_t end = active_until_ == kOpen ? kOpen : sat_add(active_until_, timing_.postroll_ns);
  if (timing_.max_length_ns && first_frame_mono_ns_) {
    end = std::min(end, sat_add(*first_frame_mono_ns_, *timing_.max_length_ns));
  }
  return end;
}

bool RecordingSession::accepts(int64_t frame_mono_ns) const noexcept { return frame_mono_ns < end_mono_ns(); }

EndReason RecordingSession::end_reason() const noexcept {
  const int64_t by_events = active_until_ == kOpen ? kOpen : sat_add(active_until_, timing_.postroll_ns);
  if (timing_.max_length_ns && first_frame_mono_ns_ &&
      sat_add(*first_frame_mono_ns_, *timing_.max_length_ns) < by_events) {
    return EndReason::max_length;
  }
  return stopped_by_request_ ? EndReason::stopped : EndReason::duration;
}

}  // namespace zc::recorder

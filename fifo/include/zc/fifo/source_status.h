// What a ring is fed from, as its writer reports it: the source's address (credentials redacted), its
// connection state, and what the network cost. The writer publishes it in the ring's header (layout.h,
// SourceBlock), so any process — `zcrec stat`, a service — reads it without asking the feeding process.
// Plain values: nothing here refers to shared memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zc::fifo {

enum class SourceState : uint32_t {
  unknown = 0,           // the writer never said (a library writer, an older zcrec)
  connecting = 1,        // opening the source
  streaming = 2,         // frames flow
  waiting_to_retry = 3,  // the source failed; the next attempt is at next_attempt_wall_ns
  ended = 4,             // a finite input is over
};
std::string_view to_string(SourceState s) noexcept;

// Where frames' capture wall-clock times come from.
enum class ClockSource : uint32_t {
  unknown = 0,
  arrival = 1,      // the moment the writer got the frame
  sender_report = 2,  // the camera's clock, through RTCP sender reports
  // The camera sends sender reports, but its clock is too far from this host's to be believed (a camera that
  // never learned the time): arrival time is used.
  arrival_camera_clock_off = 3,
};
std::string_view to_string(ClockSource c) noexcept;

struct SourceStatus {
  static constexpr size_t kMaxText = 255;  // url and last_error are cut to this many bytes in the ring

  std::string url;  // credentials replaced by "***"
  SourceState state = SourceState::unknown;
  ClockSource clock = ClockSource::unknown;
  uint64_t connections = 0;          // successful opens
  uint64_t reconnects = 0;           // opens after the first
  uint64_t packets_lost = 0;         // RTP packets the demuxer reported missing
  uint64_t frames_dropped = 0;       // frames not written: corrupt, or undecodable until the next keyframe
  uint64_t timestamp_jumps = 0;      // jumps of the source's clock, each a discontinuity
  uint64_t failed_attempts = 0;      // opens that failed (refused, no answer, no usable track)
  int64_t next_attempt_wall_ns = 0;  // CLOCK_REALTIME of the next attempt while waiting_to_retry
  int64_t updated_wall_ns = 0;       // when the writer last published this
  std::string last_error;            // credentials redacted

  bool operator==(const SourceStatus&) const = default;
};

}  // namespace zc::fifo

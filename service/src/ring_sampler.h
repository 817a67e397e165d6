// What zcrecd shows of a camera's ring every second (GET /api/v1/cameras, /metrics): the ring's own counters and
// source status (through its reader's mapping; RingReader::inspect by name only while the writer is gone), and
// the rates since the last sample, counted by a reader of its own that
// only looks at frame headers in place: fps counts video frames alone (an AAC track adds ~47 frames a second),
// and the count follows the ring across an ingest restart (the new writer takes the same ring over).
#pragma once

#include <zc/fifo/clock.h>
#include <zc/fifo/ring_reader.h>

#include <cstdint>
#include <optional>
#include <string>

namespace zc::service {

class RingSampler {
 public:
  // clock: the service's (outlives the sampler); the rates are per second of its mono_ns.
  RingSampler(std::string ring, const fifo::Clock& clock) : ring_(std::move(ring)), clock_(clock) {}

  struct Sample {
    fifo::RingStatus ring;
    std::optional<double> fps;          // video frames per second since the last sample; unset on the first
    std::optional<double> bitrate_bps;  // payload bits (all tracks) per second since the last sample
  };
  // nullopt while the ring does not exist.
  std::optional<Sample> sample();

 private:
  std::string ring_;
  const fifo::Clock& clock_;
  std::optional<fifo::RingReader> reader_;
  int64_t last_at_ns_ = 0;
};

}  // namespace zc::service

// What zcrecd shows of a camera's ring every second (GET /api/v1/cameras, /metrics): the ring's own counters and
// source status (RingReader::inspect), and the rates since the last sample, counted by a reader of its own that
// only looks at frame headers in place: fps counts video frames alone (an AAC track adds ~47 frames a second),
// and the count follows the ring across an ingest restart (the new writer takes the same ring over).
#pragma once

#include <zc/fifo/ring_reader.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace zc::service {

class RingSampler {
 public:
  explicit RingSampler(std::string ring) : ring_(std::move(ring)) {}

  struct Sample {
    fifo::RingStatus ring;
    std::optional<double> fps;          // video frames per second since the last sample; unset on the first
    std::optional<double> bitrate_bps;  // payload bits (all tracks) per second since the last sample
  };
  // nullopt while the ring does not exist.
  std::optional<Sample> sample();

 private:
  std::string ring_;
  std::optional<fifo::RingReader> reader_;
  std::chrono::steady_clock::time_point last_at_;
};

}  // namespace zc::service

// The measurements behind `zcrec bench fifo`. Each one runs against a baseline measured in the same run (memcpy,
// a raw pipe round trip), because absolute numbers on a shared machine are noise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace zc::bench {

struct ThroughputResult {
  double memcpy_gbps = 0;       // frame-sized memcpy into a ring-sized buffer (what the writer does)
  double memcpy_read_gbps = 0;  // frame-sized memcpy out of a ring-sized buffer (what a reader does)
  double writer_gbps = 0;       // RingWriter::write, no reader attached
  double reader_gbps = 0;       // one reader thread copying every frame of a full ring
};
ThroughputResult measure_throughput(size_t frame_bytes, uint64_t ring_bytes);

// Commit-to-wakeup latencies in microseconds, one sample per (frame, reader) where the reader was asleep in epoll.
std::vector<double> measure_wakeups(int readers, int frames);
// One-way latency of a raw pipe ping-pong between two processes (round trip / 2), in microseconds.
std::vector<double> measure_pipe_floor(int round_trips);
// One-way latency of a raw pipe write into a process asleep in epoll, with the ring benchmark's pause between
// wakeups, in microseconds: the floor for one reader's wakeup, since the ring's doorbell is exactly such a write.
std::vector<double> measure_oneway_floor(int wakeups);

struct PrerollResult {
  double lookup_us = 0;  // mean RingReader::keyframe_at_or_before() time
  uint64_t frames_held = 0;
  uint64_t keyframes_held = 0;
};
PrerollResult measure_preroll_lookup(uint64_t frames);

double percentile(std::vector<double> samples, double p);
// A stream name for a bench ring, unique to this process.
std::string bench_stream_name(const std::string& what);

}  // namespace zc::bench

// Shared helpers for tests: unique stream names that are removed afterwards, and stream info fixtures.
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>
#include <string>
#include <vector>

namespace zc::test {

// A stream name unique to this process and call, e.g. "t12345_3_ring_basic".
std::string unique_stream_name(const std::string& tag);

// Removes the ring object and wake FIFOs of `name` when destroyed.
class ScopedStream {
 public:
  explicit ScopedStream(const std::string& tag) : name_(unique_stream_name(tag)) {}
  ~ScopedStream();
  ScopedStream(const ScopedStream&) = delete;
  ScopedStream& operator=(const ScopedStream&) = delete;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// One H.264 video track (id 0, 1/90000) with placeholder SPS/PPS bytes.
fifo::StreamInfo video_stream_info();

// A TCP socket listening on 127.0.0.1 at a free port, which is written to `port`; the caller closes it. Throws
// std::runtime_error when it cannot listen.
int listen_on_loopback(uint16_t& port, int backlog);

// Little-endian signed 16-bit PCM (ffmpeg's `-f s16le`) as float samples, for comparing decoded audio.
std::vector<float> s16le_samples(const std::string& bytes);

}  // namespace zc::test

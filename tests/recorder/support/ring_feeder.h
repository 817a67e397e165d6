// Feeds real encoded media (files made by the ffmpeg command, demuxed by zc::media::MediaSource) into a live
// ring the way a camera would: a backlog written at once with capture times in the past (so pre-roll has
// history to find), then frames paced in real time. Inputs play one after another, each starting with its own
// set_stream_info() — the same file twice is an identical re-send, different files a real parameter change.
#pragma once

#include <zc/fifo/frame.h>
#include <zc/fifo/ring_writer.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace zc::test {

struct FeedOptions {
  std::vector<std::string> inputs;
  int64_t backlog_ns = 0;       // media time written immediately, stamped as already captured
  int64_t total_ns = INT64_MAX;  // stop after this much media time (backlog included)
  bool loop = false;             // repeat the input list until total_ns
  int64_t wall_jump_at_ns = -1;  // from this media time on, stamp realtime shifted by wall_jump_ns
  int64_t wall_jump_ns = 0;
};

struct FedFrame {
  uint32_t track = 0;
  bool key = false;
  int64_t mono_ns = 0;
  int64_t pts = 0;
};

class RingFeeder {
 public:
  explicit RingFeeder(FeedOptions options);
  // Writes the backlog into `writer`; returns once it is in the ring.
  void write_backlog(fifo::RingWriter& writer);
  // Continues in real time until total_ns or until `stop` becomes true.
  void run_realtime(fifo::RingWriter& writer, const std::atomic<bool>& stop);
  const std::vector<FedFrame>& fed() const { return fed_; }
  int64_t start_mono_ns() const { return start_mono_ns_; }

 private:
  struct Packet {
    uint32_t track;
    bool key;
    int64_t pts, dts, time_ns;  // time_ns: media time of this packet from the start of its input
    std::vector<uint8_t> data;
  };
  struct Input {
    fifo::StreamInfo info;
    std::vector<Packet> packets;
    int64_t duration_ns = 0;
  };
  bool write_next(fifo::RingWriter& writer, int64_t until_mono_ns);

  FeedOptions opt_;
  std::vector<Input> inputs_;
  size_t input_ = 0, packet_ = 0;
  int64_t input_offset_ns_ = 0;  // media time at which the current input started
  int64_t start_mono_ns_ = 0, wall_minus_mono_ns_ = 0;
  bool info_sent_ = false;
  bool done_ = false;
  std::vector<FedFrame> fed_;
};

}  // namespace zc::test

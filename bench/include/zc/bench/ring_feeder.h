// Feeds real encoded media (files made by the ffmpeg command, demuxed by zc::media::MediaSource) into a live
// ring the way a camera would: a backlog written at once with capture times in the past (so pre-roll has
// history to find), then frames paced in real time. Inputs play one after another, each starting with its own
// set_stream_info() — the same file twice is an identical re-send, different files a real parameter change.
// The one feeder of the benchmarks (`zcrec bench record`) and of the recorder tests (zc_test_ring_feeder).
#pragma once

#include <zc/fifo/clock.h>
#include <zc/fifo/frame.h>
#include <zc/fifo/ring_writer.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zc::bench {

// One input demuxed into memory: every access unit of its known tracks, with its media time.
struct EncodedInput {
  std::filesystem::path path;
  fifo::StreamInfo info;
  struct Packet {
    uint32_t track = 0;
    bool key = false;
    int64_t pts = 0, dts = 0;  // in the track's time base
    int64_t time_ns = 0;       // dts from the input's first dts, in ns
    std::vector<uint8_t> data;
  };
  std::vector<Packet> packets;
  int64_t duration_ns = 0;   // media time to the end of the last packet
  int64_t video_frames = 0;  // packets of the first video track
};

// Throws std::runtime_error (no packets) or zc::media's error (cannot open or demux).
EncodedInput load_input(const std::filesystem::path& path);

struct FeedOptions {
  std::vector<std::string> inputs;
  int64_t backlog_ns = 0;       // media time written immediately, stamped as already captured
  int64_t total_ns = INT64_MAX;  // stop after this much media time (backlog included)
  bool loop = false;             // repeat the input list until total_ns
  int64_t wall_jump_at_ns = -1;  // from this media time on, stamp realtime shifted by wall_jump_ns
  int64_t wall_jump_ns = 0;
  // Video dts as a naive RTP client makes them up (RTP carries pts only): max(pts, previous dts + 1), so each
  // B-frame's dts comes after its pts. What the recorder must survive from a source that gets them wrong.
  bool dts_after_pts = false;
  // The frames' capture stamps and the real-time pace are read from it; null: the host's (fifo::SystemClock).
  std::shared_ptr<const fifo::Clock> clock;
};

struct FedFrame {
  uint32_t track = 0;
  bool key = false;
  int64_t mono_ns = 0;
  int64_t pts = 0;
};

class RingFeeder {
 public:
  // Loads options.inputs.
  explicit RingFeeder(FeedOptions options);
  // Plays inputs loaded already (options.inputs is ignored); they must outlive the feeder.
  RingFeeder(std::vector<const EncodedInput*> inputs, FeedOptions options);
  // Writes the backlog into `writer`; returns once it is in the ring.
  void write_backlog(fifo::RingWriter& writer);
  // Continues in real time until total_ns or until `stop` becomes true.
  void run_realtime(fifo::RingWriter& writer, const std::atomic<bool>& stop);
  const std::vector<FedFrame>& fed() const { return fed_; }
  int64_t start_mono_ns() const { return start_mono_ns_; }

 private:
  bool write_next(fifo::RingWriter& writer, int64_t until_mono_ns);

  FeedOptions opt_;
  std::vector<EncodedInput> owned_;
  std::vector<const EncodedInput*> inputs_;
  size_t input_ = 0, packet_ = 0;
  int64_t input_offset_ns_ = 0;  // media time at which the current input started
  int64_t start_mono_ns_ = 0, wall_minus_mono_ns_ = 0;
  bool info_sent_ = false;
  bool done_ = false;
  std::optional<int64_t> last_video_dts_;  // FeedOptions::dts_after_pts
  std::vector<FedFrame> fed_;
};

}  // namespace zc::bench

// `zcrec bench play`: the blocking playback fifo against memcpy, and replay at --max against
// `ffmpeg -i SEG.mp4 -c copy -f null -` on the same segments, each baseline measured in the same run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace zc::bench::play {

struct FifoThroughput {
  double fifo_bytes_per_s = 0;    // writer thread -> playback fifo -> reader thread (zero-copy or copying out)
  double memcpy_bytes_per_s = 0;  // the same frames memcpy'd once into a buffer of the fifo's size
  uint64_t frames = 0;
  uint64_t frame_bytes = 0;
};
FifoThroughput measure_fifo(uint64_t frame_bytes, uint64_t total_bytes, uint64_t fifo_bytes, bool copy_out);

struct HandoffThroughput {
  double bytes_per_s = 0;  // writer thread -> in-process SPSC ring of the fifo's size -> reader thread
  uint64_t frames = 0;
};
// The fifo's fair lower bound (docs/benchmarks.md): the same frames handed between two threads through a plain
// single-producer single-consumer ring, the reader looking at each frame in place or (copy_out) copying it out.
HandoffThroughput measure_handoff(uint64_t frame_bytes, uint64_t total_bytes, uint64_t fifo_bytes, bool copy_out);

// Fragmented-MP4 segments of `seconds` 720p30 testsrc2 (libx264), `segment_seconds` each, made by ffmpeg.
std::vector<std::filesystem::path> make_segments(const std::filesystem::path& dir, int seconds, int segment_seconds);

struct ReplayResult {
  double replay_frames_per_s = 0;  // Player --max -> playback fifo -> reader thread
  double ffmpeg_frames_per_s = 0;  // one `ffmpeg -i SEG -c copy -f null -` per segment, wall time
  uint64_t frames = 0;
};
ReplayResult measure_replay(const std::vector<std::filesystem::path>& segments, int segment_seconds);

}  // namespace zc::bench::play

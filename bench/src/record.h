// `zcrec bench record`: the recorder against the ffmpeg command line on the same H.264 elementary stream, and
// how many real-time streams one process records in parallel without losing a frame.
#pragma once

#include <zc/bench/ring_feeder.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace zc::bench {

// Encodes `seconds` of 1080p30 testsrc2 at ~4 Mb/s with libx264 (GOP 1 s, 2 B-frames) into dir/in.h264.
std::filesystem::path generate_input(const std::filesystem::path& dir, int seconds);

struct CpuResult {
  double cpu_us_per_frame = 0;
  int64_t frames = 0;
  int64_t segments = 0;
};
// Ring -> recorder -> MP4 segments + catalog, CPU of the recording thread only (CLOCK_THREAD_CPUTIME_ID).
CpuResult measure_recorder(const EncodedInput& s, const std::filesystem::path& work_dir, int64_t segment_ns);
// `ffmpeg -f h264 -i in.h264 -c copy -f segment -segment_time 10 -segment_format mp4 out%03d.mp4`, child CPU.
CpuResult measure_ffmpeg(const EncodedInput& s, const std::filesystem::path& work_dir);

struct ParallelResult {
  int streams = 0;
  int64_t frames_recorded = 0;
  int64_t frames_lost = 0;
  double cpu_percent = 0;  // process CPU time / wall time while recording (100 = one core)
  double wall_s = 0;
  bool ok() const { return frames_lost == 0 && frames_recorded > 0; }
};
// N rings fed in real time from `s` (one thread each) and N recorders (one thread each) for `seconds`.
ParallelResult measure_parallel(const EncodedInput& s, const std::filesystem::path& work_dir, int streams,
                                double seconds);

}  // namespace zc::bench

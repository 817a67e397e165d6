#include "fifo.h"

#include <zc/fifo/clock.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <unistd.h>

#include <chrono>
#include <random>
#include <stdexcept>

namespace zc::bench {

using namespace zc::fifo;

std::string bench_stream_name(const std::string& what) {
  return "zcbench." + std::to_string(::getpid()) + "." + what;
}

PrerollResult measure_preroll_lookup(uint64_t frames) {
  const fifo::SystemClock clock;  // the one clock (zc/fifo/clock.h)
  const std::string stream = bench_stream_name("preroll");
  struct Remove {
    std::string name;
    ~Remove() {
      try {
        RingWriter::remove(name);
      } catch (...) {
      }
    }
  } guard{stream};
  RingOptions opts;
  opts.data_bytes = 64ULL << 20;
  opts.index_entries = 16384;
  opts.force_capacity = true;
  auto w = RingWriter::open(stream, opts);
  TrackInfo t;
  t.kind = MediaKind::video;
  t.codec = Codec::h264;
  w.set_stream_info({0, {t}});
  // 30 fps with every other frame a keyframe: an index as full as the frames allow.
  constexpr int64_t kFrameNs = 33'333'333;
  const int64_t base = 1'000'000'000;
  const char payload[512] = {};
  for (uint64_t i = 0; i < frames; ++i) {
    FrameMeta m;
    m.flags = i % 2 == 0 ? frame_flag::keyframe : 0;
    m.pts = m.dts = static_cast<int64_t>(i) * 3000;
    m.mono_ns = base + static_cast<int64_t>(i) * kFrameNs;
    m.wall_ns = m.mono_ns;
    w.write(m, payload, sizeof payload);
  }
  auto r = RingReader::open(stream);
  const auto status = r.status();
  PrerollResult result;
  result.frames_held = status.frames_held;
  result.keyframes_held = status.keyframes_held;

  std::mt19937_64 rng(42);
  const int64_t span = static_cast<int64_t>(frames) * kFrameNs;
  constexpr int kLookups = 200'000;
  std::vector<int64_t> targets(kLookups);
  for (auto& target : targets) target = base + static_cast<int64_t>(rng() % static_cast<uint64_t>(span));
  int64_t checksum = 0;
  const auto t0 = clock.mono();
  for (int64_t target : targets)
    if (auto kf = r.keyframe_at_or_before(target)) checksum += kf->mono_ns;
  const auto took = clock.mono() - t0;
  result.lookup_us = std::chrono::duration<double, std::micro>(took).count() / kLookups;
  // A lookup that is fast but wrong is worthless: check a sample of answers against the arithmetic.
  for (int i = 0; i < 1000; ++i) {
    const int64_t target = targets[static_cast<size_t>(i)];
    const auto kf = r.keyframe_at_or_before(target);
    const int64_t frame = (target - base) / kFrameNs;
    const int64_t expect = base + (frame - frame % 2) * kFrameNs;
    if (!kf || kf->mono_ns != expect)
      throw std::runtime_error("keyframe_at_or_before returned a wrong keyframe during the benchmark");
  }
  if (checksum == 0) throw std::runtime_error("no keyframe found during the benchmark");
  return result;
}

}  // namespace zc::bench

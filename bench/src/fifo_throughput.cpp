#include "fifo.h"

#include <zc/fifo/clock.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace zc::bench {

using namespace zc::fifo;

namespace {

constexpr int kRounds = 5;  // best of: a co-tenant that steals the CPU only ever makes a round slower

double gbps(uint64_t bytes, std::chrono::nanoseconds d) {
  return static_cast<double>(bytes) / std::chrono::duration<double>(d).count() / 1e9;
}

StreamInfo one_video_track() {
  TrackInfo t;
  t.kind = MediaKind::video;
  t.codec = Codec::h264;
  StreamInfo info;
  info.tracks.push_back(t);
  return info;
}

// Removes the bench's ring whatever happens.
struct RemoveOnExit {
  std::string name;
  ~RemoveOnExit() {
    try {
      RingWriter::remove(name);
    } catch (...) {
    }
  }
};

}  // namespace

ThroughputResult measure_throughput(size_t frame_bytes, uint64_t ring_bytes) {
  const fifo::SystemClock clock;  // the one clock (zc/fifo/clock.h)
  RemoveOnExit guard{bench_stream_name("throughput")};
  RingOptions opts;
  opts.data_bytes = ring_bytes;
  opts.force_capacity = true;
  auto w = RingWriter::open(guard.name, opts);
  w.set_stream_info(one_video_track());
  if (frame_bytes > w.max_frame_bytes())
    throw std::invalid_argument("--frame-size " + std::to_string(frame_bytes) + " exceeds the ring's limit of " +
                                std::to_string(w.max_frame_bytes()) + " bytes");
  std::vector<std::byte> src(frame_bytes);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<std::byte>(i * 131);
  std::vector<std::byte> area(w.data_bytes());
  std::vector<std::byte> out(frame_bytes);
  const uint64_t frames_per_lap = w.data_bytes() / (frame_bytes + 64);
  const uint64_t frames = 4 * frames_per_lap;
  const uint64_t bytes = frames * frame_bytes;
  const size_t slots = area.size() / frame_bytes;
  std::memset(area.data(), 1, area.size());  // fault the pages in before timing
  FrameMeta meta;
  meta.flags = frame_flag::keyframe;
  for (uint64_t i = 0; i < frames_per_lap; ++i) w.write(meta, src);  // likewise for the ring

  // One reader attached for the whole run, as a live consumer is: it drains the ring once here so that its
  // mapping is faulted in (a first lap costs a page fault per 4 KiB in any reader) and then once per round.
  ReaderOptions ro;
  ro.start = StartAt::oldest_keyframe;
  auto reader = RingReader::open(guard.name, ro);
  Frame frame;
  while (reader.try_read(frame) == ReadStatus::frame) {
  }

  ThroughputResult best;
  for (int round = 0; round < kRounds; ++round) {
    auto t0 = clock.mono();
    for (uint64_t i = 0; i < frames; ++i) std::memcpy(area.data() + (i % slots) * frame_bytes, src.data(), frame_bytes);
    best.memcpy_gbps = std::max(best.memcpy_gbps, gbps(bytes, clock.mono() - t0));

    t0 = clock.mono();
    for (uint64_t i = 0; i < frames; ++i) {
      meta.flags = i % 30 == 0 ? frame_flag::keyframe : 0;
      w.write(meta, src);
    }
    best.writer_gbps = std::max(best.writer_gbps, gbps(bytes, clock.mono() - t0));

    t0 = clock.mono();
    for (uint64_t i = 0; i < frames; ++i)
      std::memcpy(out.data(), area.data() + (i % slots) * frame_bytes, frame_bytes);
    best.memcpy_read_gbps = std::max(best.memcpy_read_gbps, gbps(bytes, clock.mono() - t0));

    // The reader: a full ring (every frame a keyframe so the reader can start at the oldest), drained by a
    // thread that copies every frame out.
    // The writer lapped the reader above: catch up first, then time the drain of one fresh, full lap (two frames
    // short of the capacity, so that padding at the wrap cannot evict the reader's next frame).
    while (reader.try_read(frame) == ReadStatus::frame) {
    }
    meta.flags = frame_flag::keyframe;
    for (uint64_t i = 0; i + 2 < frames_per_lap; ++i) w.write(meta, src);
    uint64_t read_bytes = 0;
    std::chrono::nanoseconds took{};
    std::thread reader_thread([&] {
      const uint64_t lost_before = reader.frames_lost();
      const auto r0 = clock.mono();
      while (reader.try_read(frame) == ReadStatus::frame) read_bytes += frame.payload.size();
      took = clock.mono() - r0;
      if (reader.frames_lost() != lost_before) read_bytes = 0;  // lapped: the measurement is void
    });
    reader_thread.join();
    if (read_bytes != 0) best.reader_gbps = std::max(best.reader_gbps, gbps(read_bytes, took));
  }
  return best;
}

}  // namespace zc::bench

#include "play.h"

#include <zc/fifo/clock.h>
#include <zc/fifo/playback_fifo.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

namespace zc::bench::play {
namespace {


fifo::StreamInfo bench_info() {
  fifo::StreamInfo info;
  fifo::TrackInfo t;
  t.kind = fifo::MediaKind::video;
  t.codec = fifo::Codec::h264;
  t.width = 1920;
  t.height = 1080;
  t.config = {0, 0, 0, 1, 0x67, 0x42, 0, 0x1f, 0, 0, 0, 1, 0x68, 0xce};
  info.tracks.push_back(t);
  return info;
}

double seconds_since(const fifo::Clock& clock, int64_t t0_ns) {
  return static_cast<double>(clock.mono_ns() - t0_ns) / 1e9;
}

}  // namespace

FifoThroughput measure_fifo(uint64_t frame_bytes, uint64_t total_bytes, uint64_t fifo_bytes, bool copy_out) {
  const fifo::SystemClock clock;  // the measurement's one clock
  FifoThroughput r;
  r.frame_bytes = frame_bytes;
  r.frames = total_bytes / frame_bytes;
  std::vector<std::byte> frame(frame_bytes);
  for (size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::byte>(i * 7);

  // Baseline: each frame copied once into a buffer the size of the fifo, wrapping like a ring.
  {
    std::vector<std::byte> ring(fifo_bytes);
    const uint64_t slots = fifo_bytes / frame_bytes;
    const int64_t t0 = clock.mono_ns();
    for (uint64_t n = 0; n < r.frames; ++n) std::memcpy(ring.data() + (n % slots) * frame_bytes, frame.data(), frame_bytes);
    volatile std::byte sink = ring[frame_bytes / 2];
    (void)sink;
    r.memcpy_bytes_per_s = static_cast<double>(r.frames * frame_bytes) / seconds_since(clock, t0);
  }

  // The fifo: a writer thread and a reader thread that copies every frame out (two copies per frame, on two
  // cores at once), through the same shared-memory object and doorbells two processes would use.
  const std::string name = "zcbench_play_" + std::to_string(::getpid());
  fifo::PlaybackFifoOptions o;
  o.data_bytes = fifo_bytes;
  auto w = fifo::PlaybackWriter::create(name, o);
  w.set_stream_info(bench_info());
  auto reader = fifo::PlaybackReader::open(name);
  uint64_t received = 0, checksum = 0;
  std::thread consumer([&] {
    // Zero-copy: the reader looks at each frame in place (one byte of it, so the frame is really reached),
    // then releases its room; with copy_out it copies the frame into its own buffer first.
    auto& ring = reader.ring();
    std::vector<std::byte> mine(frame_bytes);
    for (;;) {
      auto v = ring.peek();
      if (!v) {
        if (ring.wait(std::chrono::seconds(10)) != fifo::WaitStatus::ready) break;
        continue;
      }
      if ((v->header.flags & fifo::frame_flag::end_of_stream) != 0) break;
      if (copy_out) std::memcpy(mine.data(), v->payload.data(), v->payload.size());
      checksum += static_cast<uint8_t>(v->payload[v->payload.size() / 2 + 1]);
      ring.consume(*v);
      ++received;
    }
  });
  const int64_t t0 = clock.mono_ns();
  fifo::FrameMeta m;
  m.flags = fifo::frame_flag::keyframe;
  for (uint64_t n = 0; n < r.frames; ++n) {
    m.pts = m.dts = static_cast<int64_t>(n) * 3000;
    m.wall_ns = 1 + static_cast<int64_t>(n);
    w.write(m, frame);
  }
  w.end_stream();
  consumer.join();
  r.fifo_bytes_per_s = static_cast<double>(r.frames * frame_bytes) / seconds_since(clock, t0);
  fifo::PlaybackWriter::remove(name);
  if (received != r.frames || checksum == 0) throw std::runtime_error("fifo benchmark lost frames");
  return r;
}

// The playback fifo's fair lower bound: two threads handing frames over through an in-process single-producer
// single-consumer ring of the fifo's size. No shared-memory object, no record headers, no doorbells: a full or
// empty ring is waited out by yielding. What the fifo loses against this is its own cost (wakeups, headers,
// cache-line traffic on its positions); what both lose against one thread's memcpy is the hand-off itself.
HandoffThroughput measure_handoff(uint64_t frame_bytes, uint64_t total_bytes, uint64_t fifo_bytes, bool copy_out) {
  const fifo::SystemClock clock;  // the measurement's one clock
  HandoffThroughput r;
  r.frames = total_bytes / frame_bytes;
  const uint64_t slots = fifo_bytes / frame_bytes;
  std::vector<std::byte> frame(frame_bytes);
  for (size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::byte>(i * 7);
  std::vector<std::byte> ring(slots * frame_bytes);
  // Each position on its own cache line, as the fifo keeps write_pos and read_pos apart.
  struct alignas(64) Position {
    std::atomic<uint64_t> value{0};
  };
  Position head, tail;
  uint64_t checksum = 0;
  std::thread consumer([&] {
    std::vector<std::byte> mine(frame_bytes);
    for (uint64_t n = 0; n < r.frames; ++n) {
      while (head.value.load(std::memory_order_acquire) == n) std::this_thread::yield();
      const std::byte* f = ring.data() + (n % slots) * frame_bytes;
      if (copy_out) std::memcpy(mine.data(), f, frame_bytes);
      checksum += static_cast<uint8_t>(f[frame_bytes / 2 + 1]);
      tail.value.store(n + 1, std::memory_order_release);
    }
  });
  const int64_t t0 = clock.mono_ns();
  for (uint64_t n = 0; n < r.frames; ++n) {
    while (n - tail.value.load(std::memory_order_acquire) >= slots) std::this_thread::yield();
    std::memcpy(ring.data() + (n % slots) * frame_bytes, frame.data(), frame_bytes);
    head.value.store(n + 1, std::memory_order_release);
  }
  consumer.join();
  r.bytes_per_s = static_cast<double>(r.frames * frame_bytes) / seconds_since(clock, t0);
  if (checksum == 0) throw std::runtime_error("hand-off benchmark read nothing");
  return r;
}

}  // namespace zc::bench::play

// zc::fifo::Clock: the tree's one clock. Its system implementation must read the very clocks the ring stamps
// frames with, or every comparison of "now" with a frame's mono_ns/wall_ns (pre-roll, ages, writer absence) would
// mix two time bases.
#include <zc/fifo/clock.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <gtest/gtest.h>

#include "support/test_support.h"

using namespace zc::fifo;
using zc::test::ScopedStream;

TEST(Clock, SystemClockReadsTheClocksTheRingStampsFramesWith) {
  const SystemClock system;
  const Clock& clock = system;
  ScopedStream s("clock");
  RingOptions ro;
  ro.data_bytes = 64 * 1024;
  ro.index_entries = 16;
  auto w = RingWriter::open(s.name(), ro);
  w.set_stream_info(zc::test::video_stream_info());
  ReaderOptions o;
  o.start = StartAt::next_frame;
  auto r = RingReader::open(s.name(), o);

  const int64_t mono_before = clock.mono_ns(), wall_before = clock.wall_ns();
  FrameMeta m;  // mono_ns = wall_ns = 0: the ring stamps the frame itself when it is committed
  m.flags = frame_flag::keyframe;
  w.write(m, "abc", 3);
  const int64_t mono_after = clock.mono_ns(), wall_after = clock.wall_ns();

  Frame f;
  ASSERT_EQ(r.try_read(f), ReadStatus::frame);
  EXPECT_GE(f.header.mono_ns, mono_before);
  EXPECT_LE(f.header.mono_ns, mono_after);
  EXPECT_GE(f.header.wall_ns, wall_before);
  EXPECT_LE(f.header.wall_ns, wall_after);
  // And the writer's start (RingStatus), which `zcrec stat` ages against the clock.
  const int64_t start = RingReader::inspect(s.name()).writer_start_mono_ns;
  EXPECT_GT(start, 0);
  EXPECT_LE(start, mono_after);
}

TEST(Clock, SystemClockIsMonotonicAndInNanoseconds) {
  const SystemClock clock;
  const int64_t a = clock.mono_ns();
  const int64_t b = clock.mono_ns();
  EXPECT_LE(a, b);
  // CLOCK_REALTIME in ns since the epoch: after 2020-01-01 and before 2100-01-01 (not µs, not s).
  EXPECT_GT(clock.wall_ns(), 1'577'836'800'000'000'000);
  EXPECT_LT(clock.wall_ns(), 4'102'444'800'000'000'000);
}

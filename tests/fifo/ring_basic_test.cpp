// Single-process behaviour of the live ring: order, content, keyframe index, laps, stream-info changes.
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>
#include <zcrec/fifo.h>

#include <gtest/gtest.h>

#include "support/test_support.h"

#include <cstring>

using namespace zc::fifo;
using zc::test::ScopedStream;

namespace {

std::vector<uint8_t> payload_for(uint64_t n, size_t bytes) {
  std::vector<uint8_t> p(bytes);
  for (size_t i = 0; i < bytes; ++i) p[i] = static_cast<uint8_t>((n * 131 + i * 7) & 0xff);
  return p;
}

FrameMeta meta_for(uint64_t n, bool key) {
  FrameMeta m;
  m.track = 0;
  m.flags = key ? frame_flag::keyframe : 0;
  m.pts = m.dts = static_cast<int64_t>(n) * 3000;
  m.mono_ns = 1'000'000'000 + static_cast<int64_t>(n) * 33'333'333;
  m.wall_ns = m.mono_ns;
  return m;
}

RingOptions small_ring() {
  RingOptions o;
  o.data_bytes = 256 * 1024;
  o.index_entries = 64;
  return o;
}

}  // namespace

TEST(RingBasic, ReaderGetsFramesInOrderWithContent) {
  ScopedStream s("order");
  auto w = RingWriter::open(s.name(), small_ring());
  w.set_stream_info(zc::test::video_stream_info());
  ReaderOptions ro;
  ro.start = StartAt::next_frame;
  auto r = RingReader::open(s.name(), ro);
  for (uint64_t n = 0; n < 20; ++n) {
    auto p = payload_for(n, 100 + n * 13);
    w.write(meta_for(n, n % 5 == 0), p.data(), p.size());
  }
  Frame f;
  for (uint64_t n = 0; n < 20; ++n) {
    ASSERT_EQ(r.try_read(f), ReadStatus::frame) << n;
    EXPECT_EQ(f.payload, payload_for(n, 100 + n * 13));
    EXPECT_EQ(f.header.pts, static_cast<int64_t>(n) * 3000);
    EXPECT_EQ(f.header.is_key(), n % 5 == 0);
    EXPECT_EQ(f.header.lost_before, 0u);
  }
  EXPECT_EQ(r.try_read(f), ReadStatus::empty);
  EXPECT_EQ(r.stream_info().tracks.at(0).codec, Codec::h264);
}

TEST(RingBasic, LappedReaderResumesAtKeyframeAndCountsLoss) {
  ScopedStream s("lap");
  auto w = RingWriter::open(s.name(), small_ring());
  w.set_stream_info(zc::test::video_stream_info());
  ReaderOptions ro;
  ro.start = StartAt::next_frame;
  auto r = RingReader::open(s.name(), ro);
  const size_t sz = 4000;
  for (uint64_t n = 0; n < 1000; ++n) {
    auto p = payload_for(n, sz);
    w.write(meta_for(n, n % 10 == 0), p.data(), p.size());
  }
  Frame f;
  ASSERT_EQ(r.try_read(f), ReadStatus::frame);
  EXPECT_TRUE(f.header.is_key());
  EXPECT_GT(f.header.lost_before, 0u);
  const uint64_t first = f.header.seq;
  EXPECT_EQ(f.payload, payload_for(first - 1, sz));
  uint64_t count = 1;
  while (r.try_read(f) == ReadStatus::frame) {
    EXPECT_EQ(f.payload, payload_for(f.header.seq - 1, sz));
    ++count;
  }
  EXPECT_EQ(first + count - 1, 1000u);
  EXPECT_EQ(r.frames_lost(), first - 1);
}

TEST(RingBasic, KeyframeIndexAnswersNewestOldestAndAtOrBefore) {
  ScopedStream s("index");
  auto w = RingWriter::open(s.name(), small_ring());
  w.set_stream_info(zc::test::video_stream_info());
  auto r = RingReader::open(s.name());
  for (uint64_t n = 0; n < 2000; ++n) {
    auto p = payload_for(n, 500);
    w.write(meta_for(n, n % 30 == 0), p.data(), p.size());
  }
  auto newest = r.newest_keyframe();
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->seq, 1981u);  // frame n=1980 has seq 1981
  auto oldest = r.oldest_keyframe();
  ASSERT_TRUE(oldest);
  EXPECT_GT(oldest->seq, 1u);
  auto at = r.keyframe_at_or_before(meta_for(1975, false).mono_ns);
  ASSERT_TRUE(at);
  EXPECT_EQ(at->seq, 1951u);
  EXPECT_FALSE(r.keyframe_at_or_before(0));
}

TEST(RingBasic, StreamInfoChangeIsSeenAtTheExactFrame) {
  ScopedStream s("info");
  auto w = RingWriter::open(s.name(), small_ring());
  auto info = zc::test::video_stream_info();
  w.set_stream_info(info);
  ReaderOptions ro;
  ro.start = StartAt::next_frame;
  auto r = RingReader::open(s.name(), ro);
  for (uint64_t n = 0; n < 3; ++n) w.write(meta_for(n, true), "abc", 3);
  info.tracks[0].width = 1280;
  w.set_stream_info(info);
  for (uint64_t n = 3; n < 6; ++n) w.write(meta_for(n, true), "abc", 3);
  Frame f;
  for (uint64_t n = 0; n < 6; ++n) {
    ASSERT_EQ(r.try_read(f), ReadStatus::frame);
    EXPECT_EQ(r.stream_info().tracks[0].width, n < 3 ? 1920u : 1280u) << n;
    EXPECT_EQ(f.header.info_changed, n == 3) << n;  // the reader knew generation 1 from attaching
    EXPECT_EQ((f.header.flags & frame_flag::params_changed) != 0, n == 0 || n == 3) << n;
  }
}

TEST(RingBasic, SecondWriterIsRefused) {
  ScopedStream s("busy");
  auto w = RingWriter::open(s.name(), small_ring());
  try {
    auto w2 = RingWriter::open(s.name(), small_ring());
    FAIL() << "second writer accepted";
  } catch (const FifoError& e) {
    EXPECT_EQ(e.code(), FifoErrc::writer_busy);
  }
}

TEST(RingBasic, PiecesMustAddUpToTheDeclaredSize) {
  ScopedStream s("pieces");
  auto w = RingWriter::open(s.name(), small_ring());
  w.set_stream_info(zc::test::video_stream_info());
  auto b = w.begin_frame(meta_for(0, true), 10);
  b.append("12345", 5);
  EXPECT_THROW(b.commit(), FifoError);
  EXPECT_THROW(w.begin_frame(meta_for(0, true), 10).append("0123456789ab", 12), FifoError);
  EXPECT_THROW(w.write(meta_for(0, true), std::vector<uint8_t>(w.max_frame_bytes() + 1).data(),
                       w.max_frame_bytes() + 1),
               FifoError);
}

TEST(RingBasic, EndStreamIsAnEmptyFrameFlaggedEndOfStreamAfterTheLastFrame) {
  ScopedStream s("eos");
  auto w = RingWriter::open(s.name(), small_ring());
  w.set_stream_info(zc::test::video_stream_info());
  ReaderOptions ro;
  ro.start = StartAt::next_frame;
  auto r = RingReader::open(s.name(), ro);
  auto p = payload_for(0, 64);
  w.write(meta_for(0, true), p.data(), p.size());
  w.end_stream();
  Frame f;
  ASSERT_EQ(r.try_read(f), ReadStatus::frame);
  EXPECT_EQ(f.payload, p);
  EXPECT_EQ(f.header.flags & frame_flag::end_of_stream, 0);
  ASSERT_EQ(r.try_read(f), ReadStatus::end_of_stream) << "the mark is a status, not a frame a reader could use";
  EXPECT_NE(f.header.flags & frame_flag::end_of_stream, 0);
  EXPECT_FALSE(f.header.is_key());
  EXPECT_TRUE(f.payload.empty());
  EXPECT_EQ(f.header.track, zc::test::video_stream_info().tracks.front().track_id);
  EXPECT_EQ(r.try_read(f), ReadStatus::empty);
}


// A frame larger than a quarter of the ring is refused; a live writer drops it instead: the ring counts it for
// every process (RingReader::inspect, `zcrec stat`), the counts survive a new writer, and the next frame written
// tells readers that frames are missing. The C API does the same.
TEST(RingBasic, DroppedFramesAreCountedInTheRingAndFlagTheNextFrame) {
  ScopedStream s("dropped");
  {
    auto w = RingWriter::open(s.name(), small_ring());
    w.set_stream_info(zc::test::video_stream_info());
    ReaderOptions ro;
    ro.start = StartAt::next_frame;
    auto r = RingReader::open(s.name(), ro);
    const size_t big = w.max_frame_bytes() + 1;
    auto p0 = payload_for(0, 100);
    w.write(meta_for(0, true), p0.data(), p0.size());
    const auto huge = payload_for(1, big);
    EXPECT_THROW(w.write(meta_for(1, true), huge.data(), huge.size()), FifoError);
    w.drop_frame(big);
    w.drop_frame(300);  // a frame that fits but is dropped while waiting for the next keyframe
    for (uint64_t n = 3; n < 5; ++n) {
      auto p = payload_for(n, 100);
      w.write(meta_for(n, n == 3), p.data(), p.size());
    }
    Frame f;
    std::vector<bool> flagged;
    while (r.try_read(f) == ReadStatus::frame) flagged.push_back((f.header.flags & frame_flag::discontinuity) != 0);
    EXPECT_EQ(flagged, (std::vector<bool>{false, true, false}));
    const auto st = RingReader::inspect(s.name());
    EXPECT_EQ(st.frames_dropped, 2u);
    EXPECT_EQ(st.oversized_frames, 1u);
    EXPECT_EQ(st.frames_written, 3u);
  }
  zc_writer* cw = nullptr;
  ASSERT_EQ(zc_writer_open(s.name().c_str(), 256 * 1024, &cw), ZC_OK);
  EXPECT_EQ(zc_writer_drop_frame(cw, 1u << 30), ZC_OK);
  EXPECT_EQ(zc_writer_drop_frame(nullptr, 1), ZC_EINVAL);
  const auto st = RingReader::inspect(s.name());
  EXPECT_EQ(st.frames_dropped, 3u) << "the counts belong to the ring, not to one writer";
  EXPECT_EQ(st.oversized_frames, 2u);
  zc_writer_close(cw);
}

// The source status a writer publishes is read back whole by any process inspecting the ring; text is cut at
// its limit, and a ring whose writer never published has none.
TEST(RingBasic, SourceStatusIsPublishedInTheRingForEveryProcess) {
  ScopedStream s("source");
  auto w = RingWriter::open(s.name(), small_ring());
  w.set_stream_info(zc::test::video_stream_info());
  EXPECT_FALSE(RingReader::inspect(s.name()).source.has_value());
  SourceStatus st;
  st.url = "rtsp://admin:***@camera/stream";
  st.state = SourceState::waiting_to_retry;
  st.clock = ClockSource::arrival;
  st.connections = 3;
  st.reconnects = 2;
  st.packets_lost = 17;
  st.frames_dropped = 40;
  st.timestamp_jumps = 1;
  st.next_attempt_wall_ns = 1'800'000'000'000'000'000;
  st.updated_wall_ns = 1'799'999'999'000'000'000;
  st.last_error = std::string(400, 'e');
  w.publish_source(st);
  const auto got = RingReader::inspect(s.name()).source;
  ASSERT_TRUE(got.has_value());
  SourceStatus expected = st;
  expected.last_error.resize(SourceStatus::kMaxText);
  EXPECT_EQ(*got, expected);
  st.state = SourceState::streaming;
  st.last_error.clear();
  w.publish_source(st);
  EXPECT_EQ(RingReader::inspect(s.name()).source, st);
}

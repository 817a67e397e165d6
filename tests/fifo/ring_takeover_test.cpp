// A writer can die between any two of its stores. These tests stop a writer at the exact points that leave
// shared state half-updated (by replaying those stores on the mapping, then dropping the writer as a death
// would) and check what the next writer and the readers make of it.
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <gtest/gtest.h>

#include "layout.h"
#include "shm_object.h"
#include "support/test_support.h"

using namespace zc::fifo;
using zc::test::ScopedStream;

namespace {

RingOptions small_ring() {
  RingOptions o;
  o.data_bytes = 256 * 1024;
  o.index_entries = 64;
  return o;
}

FrameMeta frame(int64_t n, bool key) {
  FrameMeta m;
  m.flags = key ? frame_flag::keyframe : 0;
  m.pts = m.dts = n;
  m.mono_ns = 1'000'000 * n;
  return m;
}

// Writes frames 1..10 (5 and 10 are keyframes) and leaves the ring without a writer.
void ten_frames(const std::string& name) {
  auto w = RingWriter::open(name, small_ring());
  w.set_stream_info(zc::test::video_stream_info());
  for (int64_t n = 1; n <= 10; ++n) w.write(frame(n, n % 5 == 0), "payload", 7);
}

}  // namespace

// commit() stores next_seq before it publishes write_pos; a writer that dies in between must not make readers
// believe a frame was lost.
TEST(RingTakeover, DeathBetweenSeqBumpAndPublishInventsNoLoss) {
  ScopedStream s("seq_bump");
  ten_frames(s.name());
  ReaderOptions ro;
  ro.start = StartAt::oldest_keyframe;
  auto r = RingReader::open(s.name(), ro);
  Frame f;
  while (r.try_read(f) == ReadStatus::frame) {
  }
  ASSERT_EQ(f.header.seq, 10u);
  {
    auto obj = attach_as_reader(s.name());
    auto& h = *obj.map.header;
    h.next_seq.fetch_add(1);                  // what commit() had done ...
    h.last_frame_pos.store(h.write_pos.load());  // ... before it died
  }
  auto w = RingWriter::open(s.name(), small_ring());
  ASSERT_TRUE(w.took_over());
  w.set_stream_info(zc::test::video_stream_info());
  w.write(frame(11, true), "payload", 7);
  ASSERT_EQ(r.try_read(f), ReadStatus::frame);
  EXPECT_EQ(f.header.seq, 11u);
  EXPECT_EQ(f.header.lost_before, 0u);
  EXPECT_TRUE(f.header.flags & frame_flag::discontinuity);
  EXPECT_EQ(r.frames_lost(), 0u);
}

// A keyframe published but not yet entered into the index stays findable for pre-roll after a takeover.
TEST(RingTakeover, KeyframePublishedButNotIndexedIsIndexedByTheNextWriter) {
  ScopedStream s("unindexed");
  ten_frames(s.name());
  {
    auto obj = attach_as_reader(s.name());
    auto& h = *obj.map.header;
    h.index_claim.fetch_sub(1);  // as if add_to_index() never ran for frame 10
    h.index_head.fetch_sub(1);
  }
  auto r = RingReader::open(s.name());
  ASSERT_TRUE(r.newest_keyframe());
  EXPECT_EQ(r.newest_keyframe()->seq, 5u);
  auto w = RingWriter::open(s.name(), small_ring());
  ASSERT_TRUE(w.took_over());
  auto kf = r.newest_keyframe();
  ASSERT_TRUE(kf);
  EXPECT_EQ(kf->seq, 10u);
  EXPECT_EQ(r.keyframe_at_or_before(frame(10, true).mono_ns)->seq, 10u);
}

// A writer that died between claiming an index entry and finishing it leaves a torn entry; the next writer
// repairs it and no lookup returns garbage.
TEST(RingTakeover, TornIndexEntryIsRepairedAndNeverReturned) {
  ScopedStream s("torn_index");
  ten_frames(s.name());
  {
    auto obj = attach_as_reader(s.name());
    auto& h = *obj.map.header;
    const uint64_t head = h.index_head.load();
    h.index_claim.store(head + 1);
    auto& e = obj.map.index[head & obj.map.index_mask];
    e.pos.store(0xDEADBEEF);
    e.seq.store(999);
    e.mono_ns.store(-5);
  }
  auto w = RingWriter::open(s.name(), small_ring());
  ASSERT_TRUE(w.took_over());
  auto r = RingReader::open(s.name());
  for (auto kf : {r.newest_keyframe(), r.oldest_keyframe(), r.keyframe_at_or_before(INT64_MAX)}) {
    ASSERT_TRUE(kf);
    EXPECT_TRUE(kf->seq == 5 || kf->seq == 10) << kf->seq;
  }
  w.set_stream_info(zc::test::video_stream_info());
  w.write(frame(11, true), "payload", 7);
  EXPECT_EQ(r.newest_keyframe()->seq, 11u);
}

// Writer and readers as threads of one process: the same protocol as across processes, but visible to
// ThreadSanitizer (build-tsan), which cannot see into other processes.
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <gtest/gtest.h>

#include "support/frame_pattern.h"
#include "support/test_support.h"

#include <atomic>
#include <thread>

using namespace zc::fifo;
using namespace zc::test;

namespace {

struct ReaderTally {
  uint64_t frames = 0, lost = 0, errors = 0, last_seq = 0;
};

void read_until(const std::string& name, uint64_t last, bool in_place, ReaderTally& t) {
  ReaderOptions ro;
  ro.start = StartAt::next_frame;
  ro.on_lapped = OnLapped::oldest_keyframe;
  auto r = RingReader::open(name, ro);
  Frame f;
  while (t.last_seq < last) {
    FrameHeader h;
    bool intact = true;
    if (in_place) {
      auto v = r.peek();
      if (!v) {
        r.wait(std::chrono::milliseconds(50));
        continue;
      }
      h = v->header;
      const bool bytes_ok = h.size == pattern_size(h.seq, 16, 4000) && check_pattern(h.seq, v->payload);
      intact = r.still_valid(*v);
      const uint64_t before = r.frames_read();
      r.consume(*v);
      if (r.frames_read() == before) continue;  // overwritten meanwhile: not delivered
      if (intact && !bytes_ok) ++t.errors;
    } else {
      if (r.read(f, std::chrono::milliseconds(50)) != WaitStatus::ready) continue;
      h = f.header;
      if (h.size != pattern_size(h.seq, 16, 4000) ||
          !check_pattern(h.seq, {reinterpret_cast<const std::byte*>(f.payload.data()), f.payload.size()}))
        ++t.errors;
    }
    if (h.seq <= t.last_seq) ++t.errors;
    if (t.last_seq != 0 && h.lost_before != h.seq - t.last_seq - 1) ++t.errors;
    t.lost += h.lost_before;
    t.last_seq = h.seq;
    ++t.frames;
  }
  if (r.frames_lost() != t.lost) ++t.errors;
}

}  // namespace

TEST(RingThreads, WriterAndReaderThreadsSeeWholeFramesUnderLaps) {
  ScopedStream s("threads");
  RingOptions o;
  o.data_bytes = 64 * 1024;
  auto w = RingWriter::open(s.name(), o);
  w.set_stream_info(video_stream_info());
  const uint64_t last = 20000;
  std::vector<ReaderTally> tallies(4);
  std::vector<std::thread> readers;
  for (size_t i = 0; i < tallies.size(); ++i)
    readers.emplace_back(read_until, s.name(), last, i % 2 == 1, std::ref(tallies[i]));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let every reader attach first
  std::vector<std::byte> buf;
  for (uint64_t seq = 1; seq <= last; ++seq) {
    buf.resize(pattern_size(seq, 16, 4000));
    fill_pattern(seq, buf);
    FrameMeta m;
    m.flags = seq % 8 == 1 || seq == last ? frame_flag::keyframe : 0;
    w.write(m, buf);
  }
  for (auto& t : readers) t.join();
  for (size_t i = 0; i < tallies.size(); ++i) {
    EXPECT_EQ(tallies[i].errors, 0u) << "reader " << i;
    EXPECT_EQ(tallies[i].last_seq, last) << "reader " << i;
    EXPECT_GT(tallies[i].frames, 0u) << "reader " << i;
  }
}

// Wakeups through epoll: every reader blocked on its wake_fd() is woken for every commit, none steals another's.
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <gtest/gtest.h>

#include "support/frame_pattern.h"
#include "support/ring_agents.h"
#include "support/test_support.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

using namespace zc::fifo;
using namespace zc::test;
using namespace std::chrono_literals;

// 4 reader processes sleep in epoll between frames; the writer (this process) commits 100,000 frames in bursts
// with pauses so that the readers really fall asleep. A lost wakeup would leave a reader in epoll_wait for its
// whole 3 s timeout with a frame waiting — the agent reports that as an error — and the test would also miss
// its last frame.
TEST(RingWakeup, NoLostWakeupsOverHundredThousandCommitsWithReadersBlockedInEpoll) {
  ScopedStream s("wake");
  const uint64_t commits = std::getenv("ZC_SOAK") ? 1'000'000 : 100'000;
  RingOptions o;
  o.data_bytes = 16 << 20;
  auto w = RingWriter::open(s.name(), o);
  StreamInfo info;
  TrackInfo t;
  t.kind = MediaKind::video;
  t.codec = Codec::h264;
  info.tracks.push_back(t);
  w.set_stream_info(info);
  std::vector<ChildProcess> readers;
  for (int i = 0; i < 4; ++i) {
    readers.push_back(spawn_agent("reader", s.name(), {"--mode", "epoll", "--start", "next_frame", "--min-size", "16",
                                                       "--max-size", "200", "--until-seq", std::to_string(commits),
                                                       "--idle-exit-ms", "3000"}));
    await_ready(readers.back());
  }
  std::vector<std::byte> buf;
  for (uint64_t seq = 1; seq <= commits; ++seq) {
    buf.resize(pattern_size(seq, 16, 200));
    fill_pattern(seq, buf);
    FrameMeta m;
    m.flags = seq % 30 == 1 ? frame_flag::keyframe : 0;
    m.pts = m.dts = static_cast<int64_t>(seq);
    w.write(m, buf);
    // Bursts of 1 to 8 commits, then a pause long enough for the readers to go back to sleep.
    if (pattern_mix(seq) % 4 == 0) std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
  uint64_t total_sleeps = 0;
  for (auto& r : readers) {
    auto sum = await_summary(r);
    auto st = r.wait(30s);
    ASSERT_TRUE(st);
    EXPECT_TRUE(exited_with(*st, 0)) << describe_status(*st);
    EXPECT_EQ(sum["errors"], 0u);
    EXPECT_EQ(sum["last_seq"], commits);
    EXPECT_EQ(sum["frames"] + sum["lost"], commits);  // the first frame is seq 1: nothing skipped unreported
    total_sleeps += sum["sleeps"];
  }
  std::printf("readers went to sleep in epoll %llu times in total\n", (unsigned long long)total_sleeps);
  EXPECT_GT(total_sleeps, commits / 20) << "the readers hardly ever blocked: the test proved little";
}

// Two readers in the same process, each with its own wake_fd in one epoll set: waking one never consumes the
// other's wakeup.
TEST(RingWakeup, ReadersInOneEpollSetEachGetTheirOwnWakeup) {
  ScopedStream s("wake_pair");
  auto w = RingWriter::open(s.name());
  w.set_stream_info(video_stream_info());
  ReaderOptions ro;
  ro.start = StartAt::next_frame;
  auto a = RingReader::open(s.name(), ro);
  auto b = RingReader::open(s.name(), ro);
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = 0;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, a.wake_fd(), &ev);
  ev.data.u32 = 1;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, b.wake_fd(), &ev);
  for (int round = 0; round < 200; ++round) {
    ASSERT_TRUE(a.arm());
    ASSERT_TRUE(b.arm());
    w.write({}, "x", 1);
    epoll_event got[2];
    int ready = 0;
    bool seen[2] = {false, false};
    while (ready < 2) {
      const int n = ::epoll_wait(ep, got, 2, 1000);
      ASSERT_GT(n, 0) << "round " << round << ": a reader was not woken";
      for (int i = 0; i < n; ++i)
        if (!seen[got[i].data.u32]) {
          seen[got[i].data.u32] = true;
          ++ready;
        }
    }
    a.drain();
    b.drain();
    Frame f;
    ASSERT_EQ(a.try_read(f), ReadStatus::frame);
    ASSERT_EQ(b.try_read(f), ReadStatus::frame);
  }
  ::close(ep);
}

// arm() returns false when a frame is already there, so a reader never sleeps on data.
TEST(RingWakeup, ArmReportsDataThatIsAlreadyThere) {
  ScopedStream s("wake_arm");
  auto w = RingWriter::open(s.name());
  w.set_stream_info(video_stream_info());
  ReaderOptions ro;
  ro.start = StartAt::next_frame;
  auto r = RingReader::open(s.name(), ro);
  EXPECT_TRUE(r.arm());
  w.write({}, "x", 1);
  EXPECT_FALSE(r.arm());
  Frame f;
  EXPECT_EQ(r.try_read(f), ReadStatus::frame);
  EXPECT_TRUE(r.arm());
}

// Wakeups through epoll: every reader blocked on its wake_fd() is woken for every commit, none steals another's.
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>
#include <zc/fifo/wake_signal.h>

#include <gtest/gtest.h>

#include "support/frame_pattern.h"
#include "support/ring_agents.h"
#include "support/test_support.h"

#include <poll.h>
#include <signal.h>
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
  w.set_stream_info(video_stream_info());
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

namespace {

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1;
}

FrameMeta frame_meta(bool key) {
  FrameMeta m;
  m.flags = key ? frame_flag::keyframe : 0;
  return m;
}

}  // namespace

// The wakeup policy (docs/concurrency.md): a keyframe-only reader's doorbell rings for a keyframe and for the end
// of the stream, never for the frames between; an every-frame reader of the same ring (live view) is rung for
// each frame as before.
TEST(RingWakeup, KeyframeReaderIsRungOnlyAtKeyframesAndTheEndWhileAnEveryFrameReaderIsRungEachFrame) {
  ScopedStream s("wake_kf");
  auto w = RingWriter::open(s.name());
  w.set_stream_info(video_stream_info());
  ReaderOptions batch;
  batch.start = StartAt::next_frame;
  batch.wake.on = WakeOn::keyframe;
  auto kf = RingReader::open(s.name(), batch);
  ReaderOptions live;
  live.start = StartAt::next_frame;
  auto each = RingReader::open(s.name(), live);
  Frame f;
  for (int gop = 0; gop < 3; ++gop) {
    ASSERT_TRUE(kf.arm());
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(each.arm());
      w.write(frame_meta(false), "p", 1);
      EXPECT_TRUE(readable(each.wake_fd())) << "gop " << gop << " frame " << i;
      each.drain();
      ASSERT_EQ(each.try_read(f), ReadStatus::frame);
      EXPECT_FALSE(readable(kf.wake_fd())) << "a keyframe reader was rung for a frame it did not ask for";
    }
    w.write(frame_meta(true), "k", 1);
    EXPECT_TRUE(readable(kf.wake_fd())) << "gop " << gop << ": the keyframe did not ring the keyframe reader";
    kf.drain();
    int frames = 0;
    while (kf.try_read(f) == ReadStatus::frame) ++frames;
    EXPECT_EQ(frames, 6);  // every frame is there to read, in order, when it wakes
    ASSERT_EQ(each.try_read(f), ReadStatus::frame);
  }
  ASSERT_TRUE(kf.arm());
  w.end_stream();
  EXPECT_TRUE(readable(kf.wake_fd())) << "the end of the stream did not ring the keyframe reader";
}

// A keyframe reader asleep in wait() with frames but no keyframe coming still returns within its bound, and every
// frame is then there in order.
TEST(RingWakeup, KeyframeReaderWaitReturnsWithinItsBoundWithoutAKeyframe) {
  ScopedStream s("wake_bound");
  auto w = RingWriter::open(s.name());
  w.set_stream_info(video_stream_info());
  ReaderOptions ro;
  ro.start = StartAt::next_frame;
  ro.wake.on = WakeOn::keyframe;
  ro.wake.max_delay = 100ms;
  auto r = RingReader::open(s.name(), ro);
  std::jthread writer([&] {
    for (int i = 0; i < 3; ++i) {
      std::this_thread::sleep_for(10ms);
      FrameMeta m;
      m.pts = m.dts = i;
      w.write(m, "p", 1);
    }
  });
  // 30 s: far beyond the bound, so only the bound (or a lost frame) can end the wait early.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(r.wait(30s), WaitStatus::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  writer.join();
  std::this_thread::sleep_for(150ms);  // past the bound: all three are committed
  Frame f;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(r.try_read(f), ReadStatus::frame);
    EXPECT_EQ(f.header.pts, i);
  }
}

// The reader's own process wakes it at once (a trigger, a stop, an event): a raise before the wait is not lost,
// and a raise during it ends it although no frame comes.
TEST(RingWakeup, InterruptEndsAKeyframeReadersWaitAtOnce) {
  ScopedStream s("wake_irq");
  auto w = RingWriter::open(s.name());
  w.set_stream_info(video_stream_info());
  auto signal = std::make_shared<WakeSignal>();
  ReaderOptions ro;
  ro.start = StartAt::next_frame;
  ro.wake.on = WakeOn::keyframe;
  ro.interrupt = signal;
  auto r = RingReader::open(s.name(), ro);
  signal->raise();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(r.wait(30s), WaitStatus::timeout);  // nothing to read, the writer lives
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  std::jthread raiser([&] {
    std::this_thread::sleep_for(50ms);
    signal->raise();
  });
  t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(r.wait(30s), WaitStatus::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_FALSE(signal->take()) << "the wait left the signal raised";
}

// What a live source asks before it reads its camera in batches: is any reader attached that wants each frame at
// once? Keyframe-woken readers do not count; a reader that detached or was SIGKILLed stops counting, though its
// slot keeps its old pid and policy; a new reader in that slot counts again.
TEST(RingWakeup, HasEveryFrameReaderSeesOnlyAttachedEveryFrameReaders) {
  ScopedStream s("every_frame_reader");
  auto w = RingWriter::open(s.name());
  w.set_stream_info(video_stream_info());
  EXPECT_FALSE(w.has_every_frame_reader()) << "no reader";
  {
    ReaderOptions o;
    o.wake.on = WakeOn::keyframe;
    auto recorder_like = RingReader::open(s.name(), o);
    EXPECT_FALSE(w.has_every_frame_reader()) << "a keyframe-woken reader";
    {
      auto live = RingReader::open(s.name());
      EXPECT_TRUE(w.has_every_frame_reader()) << "an every-frame reader";
      EXPECT_TRUE(w.has_every_frame_reader()) << "asked again";
    }
    EXPECT_FALSE(w.has_every_frame_reader()) << "the every-frame reader detached";
    auto again = RingReader::open(s.name());
    EXPECT_TRUE(w.has_every_frame_reader()) << "a new every-frame reader in the freed slot";
  }
  EXPECT_FALSE(w.has_every_frame_reader());
  // Another process's reader, killed without detaching.
  auto agent = spawn_agent("reader", s.name(), {"--start", "next_frame", "--until-seq", "1000000000"});
  await_ready(agent);
  EXPECT_TRUE(w.has_every_frame_reader()) << "a reader in another process";
  agent.kill(SIGKILL);
  ASSERT_TRUE(agent.wait(10s));
  EXPECT_FALSE(w.has_every_frame_reader()) << "a SIGKILLed reader";
}

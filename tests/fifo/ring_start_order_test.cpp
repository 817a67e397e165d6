// Start order does not matter: readers may come before the writer, between writers, or after; exactly one
// writer at a time.
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <gtest/gtest.h>

#include "support/ring_agents.h"
#include "support/test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

using namespace zc::fifo;
using namespace zc::test;
using namespace std::chrono_literals;

namespace {

void expect_everything_read(ChildProcess& reader, uint64_t last, const std::string& who) {
  auto sum = await_summary(reader);
  auto st = reader.wait(30s);
  ASSERT_TRUE(st) << who;
  EXPECT_TRUE(exited_with(*st, 0)) << who << ": " << describe_status(*st);
  EXPECT_EQ(sum["errors"], 0u) << who;
  EXPECT_EQ(sum["last_seq"], last) << who;
  EXPECT_EQ(sum["frames"], last) << who << " missed frames";
  EXPECT_EQ(sum["lost"], 0u) << who;
}

}  // namespace

// Every order of starting one writer and two readers; readers start at the oldest keyframe (or wait for the
// stream), so each must get every frame from seq 1.
TEST(RingStartOrder, EveryStartOrderOfWriterAndReadersDeliversEveryFrame) {
  std::vector<int> order{0, 1, 2};  // 0 = writer, 1 and 2 = readers
  const uint64_t last = 200;
  do {
    ScopedStream s("order");
    std::string label;
    for (int who : order) label += who == 0 ? "W" : "R";
    SCOPED_TRACE(label);
    std::vector<ChildProcess> readers;
    std::optional<ChildProcess> writer;
    for (int who : order) {
      if (who == 0) {
        writer = spawn_agent("writer", s.name(), {"--until-seq", std::to_string(last), "--interval-us", "1000"});
        await_ready(*writer);
      } else {
        readers.push_back(spawn_agent("reader", s.name(), {"--start", "oldest", "--wait-ms", "10000", "--until-seq",
                                                           std::to_string(last)}));
      }
      std::this_thread::sleep_for(30ms);
    }
    for (auto& r : readers) expect_everything_read(r, last, label);
    ASSERT_TRUE(writer->wait(10s));
  } while (std::next_permutation(order.begin(), order.end()));
}

// A reader that outlives its writer keeps its place and continues with the next writer, which continues the
// sequence; the first frame of the new writer is flagged as a discontinuity.
TEST(RingStartOrder, ReaderContinuesAcrossAWriterThatExitsAndANewWriter) {
  ScopedStream s("relay");
  auto w1 = spawn_agent("writer", s.name(), {"--until-seq", "1"});
  ASSERT_EQ(await_ready(w1), 1u);
  ASSERT_TRUE(w1.wait(5s));
  auto r = spawn_agent("reader", s.name(), {"--until-seq", "600"});
  await_ready(r);
  w1 = spawn_agent("writer", s.name(), {"--until-seq", "300", "--interval-us", "200"});
  EXPECT_EQ(await_ready(w1), 2u);
  ASSERT_TRUE(w1.wait(10s));
  std::this_thread::sleep_for(200ms);  // the reader sees the writer gone and keeps waiting
  auto w2 = spawn_agent("writer", s.name(), {"--until-seq", "600", "--interval-us", "200"});
  EXPECT_EQ(await_ready(w2), 301u);
  auto sum = await_summary(r);
  EXPECT_EQ(sum["errors"], 0u);
  EXPECT_EQ(sum["last_seq"], 600u);
  EXPECT_EQ(sum["lost"], 0u);
  EXPECT_GE(sum["discont"], 2u);  // one per takeover
  ASSERT_TRUE(w2.wait(10s));
}

TEST(RingStartOrder, ReaderWithoutWaitFailsFastAndWithWaitTimesOut) {
  ScopedStream s("absent");
  try {
    RingReader::open(s.name());
    FAIL() << "opened a stream that does not exist";
  } catch (const FifoError& e) {
    EXPECT_EQ(e.code(), FifoErrc::not_found);
  }
  ReaderOptions ro;
  ro.wait_for_stream = 150ms;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    RingReader::open(s.name(), ro);
    FAIL() << "opened a stream that does not exist";
  } catch (const FifoError& e) {
    EXPECT_EQ(e.code(), FifoErrc::timeout);
  }
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms);
}

// A second writer process is refused while the first lives, and accepted (as a takeover) once it is killed.
TEST(RingStartOrder, SecondWriterProcessIsRefusedWhileTheFirstLives) {
  ScopedStream s("two_writers");
  auto first = spawn_agent("writer", s.name(), {"--interval-us", "1000"});
  await_ready(first);
  auto second = spawn_agent("writer", s.name(), {});
  auto line = second.read_line(10s);
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("already has a live writer (pid " + std::to_string(first.pid()) + ")"), std::string::npos)
      << *line;
  auto st = second.wait(10s);
  ASSERT_TRUE(st);
  EXPECT_TRUE(exited_with(*st, 10 + static_cast<int>(FifoErrc::writer_busy))) << describe_status(*st);
  EXPECT_TRUE(RingReader::inspect(s.name()).writer_alive);

  first.kill(SIGKILL);
  ASSERT_TRUE(first.wait(5s));
  EXPECT_FALSE(RingReader::inspect(s.name()).writer_alive);
  auto third = spawn_agent("writer", s.name(), {"--until-seq", "0", "--interval-us", "1000"});
  EXPECT_GT(await_ready(third), 1u);
  EXPECT_EQ(RingReader::inspect(s.name()).takeover_count, 1u);
}

// Many writer processes racing to create (or replace) the same stream: exactly one wins each time.
TEST(RingStartOrder, ConcurrentWritersRacingForOneStreamLeaveExactlyOneWriter) {
  for (int round = 0; round < 40; ++round) {
    ScopedStream s("race");
    if (round % 2 == 1) {  // a stale, truncated object that every racer wants to replace
      { auto w = RingWriter::open(s.name()); }
      const int fd = ::shm_open(("/zcrec." + s.name()).c_str(), O_RDWR, 0);
      ASSERT_GE(fd, 0);
      ASSERT_EQ(::ftruncate(fd, 8192), 0);
      ::close(fd);
    }
    std::vector<ChildProcess> racers;
    for (int i = 0; i < 6; ++i)
      racers.push_back(spawn_agent("writer", s.name(), {"--interval-us", "1000"}));
    int ready = 0, busy = 0;
    for (auto& r : racers) {
      auto line = r.read_line(10s);
      ASSERT_TRUE(line);
      if (line->rfind("ready", 0) == 0) ++ready;
      if (line->rfind("error " + std::to_string(static_cast<int>(FifoErrc::writer_busy)), 0) == 0) ++busy;
    }
    EXPECT_EQ(ready, 1) << "round " << round;
    EXPECT_EQ(busy, 5) << "round " << round;
  }
}

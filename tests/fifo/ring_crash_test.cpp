// Writers and readers killed with SIGKILL at random points, including a writer that dies holding a half-filled
// frame. The next writer takes over and continues the positions; readers never see a half-written frame.
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <gtest/gtest.h>

#include "support/ring_agents.h"
#include "support/test_support.h"

#include <signal.h>

#include <cstdlib>
#include <random>
#include <thread>

using namespace zc::test;
using namespace std::chrono_literals;

namespace {

bool soak() { return std::getenv("ZC_SOAK") != nullptr; }

const std::vector<std::string> kSizes{"--min-size", "64", "--max-size", "8000"};

std::vector<std::string> with_sizes(std::vector<std::string> args) {
  args.insert(args.begin(), kSizes.begin(), kSizes.end());
  return args;
}

void expect_clean_summary(ChildProcess& reader, const std::string& who, uint64_t last_seq) {
  auto sum = await_summary(reader);
  auto st = reader.wait(30s);
  ASSERT_TRUE(st) << who << " did not finish";
  EXPECT_TRUE(exited_with(*st, 0)) << who << ": " << describe_status(*st);
  ASSERT_FALSE(sum.empty()) << who << " printed no summary";
  EXPECT_EQ(sum["errors"], 0u) << who;
  EXPECT_EQ(sum["last_seq"], last_seq) << who;
  EXPECT_EQ(sum["lost"], sum["gaps"]) << who;
  std::printf("%s: frames=%llu lost=%llu discontinuities=%llu dropped=%llu\n", who.c_str(),
              (unsigned long long)sum["frames"], (unsigned long long)sum["lost"],
              (unsigned long long)sum["discont"], (unsigned long long)sum["dropped"]);
}

}  // namespace

TEST(RingCrash, WriterKilledHundredsOfTimesMidFrameReadersSeeOnlyWholeFramesAndPositionsContinue) {
  ScopedStream s("kill_writer");
  const int kills = soak() ? 2000 : 200;
  std::mt19937 rng(12345);
  // Readers start before any writer exists and wait for the stream to appear.
  std::vector<ChildProcess> readers;
  std::vector<std::string> names{"copy reader", "view reader", "slow epoll reader"};
  readers.push_back(spawn_agent("reader", s.name(), with_sizes({"--wait-ms", "20000", "--idle-exit-ms", "1500"})));
  readers.push_back(spawn_agent("reader", s.name(), with_sizes({"--mode", "view", "--view-hold-us", "50",
                                                                "--wait-ms", "20000", "--idle-exit-ms", "1500"})));
  readers.push_back(spawn_agent("reader", s.name(), with_sizes({"--mode", "epoll", "--slow-us", "200",
                                                                "--wait-ms", "20000", "--idle-exit-ms", "1500"})));

  uint64_t previous_first = 0;
  int mid_frame_deaths = 0;
  for (int i = 0; i < kills; ++i) {
    std::vector<std::string> args{"--ring-bytes", "262144"};
    if (i % 2 == 1) args.push_back("--pieces");
    const bool dies_by_itself = i % 4 == 3;
    if (dies_by_itself)
      args.insert(args.end(), {"--die-mid-frame-after", std::to_string(1 + rng() % 300)});
    auto w = spawn_agent("writer", s.name(), with_sizes(args));
    const uint64_t first = await_ready(w);
    ASSERT_GE(first, previous_first) << "positions went backwards after takeover " << i;
    previous_first = first;
    if (!dies_by_itself) {
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 15000));
      w.kill(SIGKILL);
    }
    auto st = w.wait(10s);
    ASSERT_TRUE(st);
    ASSERT_TRUE(killed_by(*st, SIGKILL)) << "writer " << i << ": " << describe_status(*st);
    mid_frame_deaths += dies_by_itself;
  }
  for (size_t r = 0; r < readers.size(); ++r) await_ready(readers[r], 1s);

  const uint64_t next = zc::fifo::RingReader::inspect(s.name()).next_seq;
  ASSERT_GE(next, previous_first);
  const uint64_t last = next + 1999;
  auto final_writer = spawn_agent("writer", s.name(), with_sizes({"--ring-bytes", "262144", "--until-seq",
                                                                  std::to_string(last), "--interval-us", "100"}));
  EXPECT_EQ(await_ready(final_writer), next) << "the sequence does not continue after the last kill";
  auto st = final_writer.wait(60s);
  ASSERT_TRUE(st);
  EXPECT_TRUE(exited_with(*st, 0)) << describe_status(*st);

  const auto status = zc::fifo::RingReader::inspect(s.name());
  EXPECT_EQ(status.takeover_count, static_cast<uint32_t>(kills));
  EXPECT_FALSE(status.writer_alive);
  std::printf("%d writers killed (%d of them mid-frame), takeover_count=%u, %llu frames written\n", kills,
              mid_frame_deaths, status.takeover_count, (unsigned long long)status.frames_written);
  for (size_t r = 0; r < readers.size(); ++r) expect_clean_summary(readers[r], names[r], last);
}

// Killing a writer while it is still creating the object (between shm_open, ftruncate and publishing the
// header) must leave nothing that stops the next writer or confuses a waiting reader.
TEST(RingCrash, WriterKilledWhileCreatingTheRingNeverBlocksTheNextWriter) {
  ScopedStream s("kill_create");
  std::mt19937 rng(777);
  const int kills = soak() ? 300 : 40;
  auto reader = spawn_agent("reader", s.name(), with_sizes({"--wait-ms", "30000", "--until-seq", "0",
                                                            "--idle-exit-ms", "1000", "--allow-restart"}));
  int killed_before_ready = 0;
  for (int i = 0; i < kills; ++i) {
    if (i % 3 == 0) zc::fifo::RingWriter::remove(s.name());  // start over from nothing now and then
    auto w = spawn_agent("writer", s.name(), with_sizes({"--ring-bytes", "4194304"}));
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 4000));
    w.kill(SIGKILL);
    auto st = w.wait(10s);
    ASSERT_TRUE(st);
    if (!w.read_line(0ms)) ++killed_before_ready;
  }
  auto w = spawn_agent("writer", s.name(), with_sizes({"--ring-bytes", "4194304", "--until-seq", "100000000",
                                                       "--interval-us", "200"}));
  const uint64_t first = await_ready(w);
  auto ok = spawn_agent("reader", s.name(), with_sizes({"--start", "oldest", "--until-seq",
                                                        std::to_string(first + 300)}));
  await_ready(ok);
  auto sum = await_summary(ok);
  EXPECT_EQ(sum["errors"], 0u);
  EXPECT_EQ(sum["last_seq"], first + 300);
  std::printf("%d writers killed, %d of them before the ring was ready\n", kills, killed_before_ready);
  w.kill(SIGKILL);
  w.wait(5s);
  // The early reader may have followed several recreations of the object; it must never have seen garbage.
  auto early = await_summary(reader);
  auto rst = reader.wait(30s);
  ASSERT_TRUE(rst);
  EXPECT_EQ(early["errors"], 0u) << describe_status(*rst);
  EXPECT_GT(early["frames"], 0u);
  std::printf("the early reader followed %llu recreations of the ring\n", (unsigned long long)early["restarts"]);
}

// Readers killed at random moments: the writer and the other readers carry on, and dead readers' slots are
// reclaimed (a ring with 4 slots keeps accepting new readers).
TEST(RingCrash, ReadersKilledAtRandomLeaveWriterAndOtherReadersUnaffected) {
  ScopedStream s("kill_reader");
  std::mt19937 rng(99);
  auto w = spawn_agent("writer", s.name(), with_sizes({"--slots", "4", "--ring-bytes", "1048576",
                                                       "--until-seq", "1"}));
  ASSERT_EQ(await_ready(w), 1u);
  ASSERT_TRUE(w.wait(10s));
  const uint64_t last = 20000;
  auto steady = spawn_agent("reader", s.name(), with_sizes({"--until-seq", std::to_string(last)}));
  await_ready(steady);
  w = spawn_agent("writer", s.name(), with_sizes({"--slots", "4", "--ring-bytes", "1048576", "--until-seq",
                                                  std::to_string(last), "--interval-us", "50"}));
  await_ready(w);
  const int kills = soak() ? 500 : 60;
  std::vector<ChildProcess> victims;
  for (int i = 0; i < kills; ++i) {
    while (victims.size() < 3) {
      const char* mode = victims.size() == 0 ? "copy" : victims.size() == 1 ? "view" : "epoll";
      victims.push_back(spawn_agent("reader", s.name(), with_sizes({"--mode", mode})));
      await_ready(victims.back());  // fails if a dead reader's slot was not reclaimed
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 5000));
    auto& v = victims[rng() % victims.size()];
    v.kill(SIGKILL);
    ASSERT_TRUE(v.wait(5s));
    victims.erase(victims.begin() + static_cast<long>(&v - victims.data()));
  }
  victims.clear();
  auto st = w.wait(60s);
  ASSERT_TRUE(st);
  EXPECT_TRUE(exited_with(*st, 0)) << describe_status(*st);
  expect_clean_summary(steady, "steady reader", last);
  EXPECT_EQ(zc::fifo::RingReader::inspect(s.name()).readers_attached, 0u);
}

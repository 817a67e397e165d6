// Many reader processes against one writer process, every payload checked against its sequence number.
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>

#include <gtest/gtest.h>

#include "support/ring_agents.h"
#include "support/test_support.h"

#include <signal.h>

using namespace zc::test;
using namespace std::chrono_literals;

namespace {

struct ReaderSpec {
  std::vector<std::string> args;
  bool must_be_lapped;
};

}  // namespace

// 1 writer, 10 readers: copy, in-place view and epoll readers, some slowed until the writer laps them. Nobody
// may see a torn, duplicated or out-of-order frame, and every gap must be one the reader was told about.
TEST(RingStress, ContentCheckedReadersSomeLappedSeeNoTornOrUnreportedLoss) {
  ScopedStream s("stress");
#if defined(__SANITIZE_THREAD__)
  const uint64_t frames = 6000;  // ThreadSanitizer copies payload byte by byte (racy_copy.h): ~20x slower
#else
  const uint64_t frames = 30000;
#endif
  const std::vector<std::string> sizes{"--min-size", "64", "--max-size", "12000"};
  auto writer_args = sizes;
  for (const char* a : {"--ring-bytes", "524288", "--key-every", "10"}) writer_args.push_back(a);
  // The writer creates the ring first so that the readers can start at its oldest keyframe.
  auto w = spawn_agent("writer", s.name(),
                       [&] { auto v = writer_args; v.insert(v.end(), {"--until-seq", "1"}); return v; }());
  ASSERT_EQ(await_ready(w), 1u);
  ASSERT_TRUE(w.wait(10s));

  const std::string until = std::to_string(frames);
  std::vector<ReaderSpec> specs{
      {{"--mode", "copy"}, false},
      {{"--mode", "copy", "--start", "oldest"}, false},
      {{"--mode", "epoll"}, false},
      {{"--mode", "view"}, false},
      {{"--mode", "copy", "--start", "next_frame"}, false},
      {{"--mode", "copy", "--slow-us", "300"}, true},
      {{"--mode", "copy", "--slow-us", "1000"}, true},
      {{"--mode", "view", "--view-hold-us", "200", "--slow-us", "100"}, true},
      {{"--mode", "epoll", "--slow-us", "500"}, true},
      {{"--mode", "view", "--start", "next_key", "--view-hold-us", "2000"}, true},
  };
  std::vector<ChildProcess> readers;
  for (auto& spec : specs) {
    auto args = sizes;
    args.insert(args.end(), spec.args.begin(), spec.args.end());
    args.insert(args.end(), {"--until-seq", until, "--idle-exit-ms", "5000"});
    readers.push_back(spawn_agent("reader", s.name(), args));
    await_ready(readers.back());
  }
  writer_args.insert(writer_args.end(), {"--until-seq", until});
  w = spawn_agent("writer", s.name(), writer_args);
  await_ready(w);
  auto wst = w.wait(180s);
  ASSERT_TRUE(wst);
  EXPECT_TRUE(exited_with(*wst, 0)) << describe_status(*wst);

  for (size_t i = 0; i < readers.size(); ++i) {
    auto sum = await_summary(readers[i]);
    auto st = readers[i].wait(30s);
    ASSERT_TRUE(st) << "reader " << i << " did not finish";
    EXPECT_TRUE(exited_with(*st, 0)) << "reader " << i << ": " << describe_status(*st);
    ASSERT_FALSE(sum.empty()) << "reader " << i << " printed no summary";
    EXPECT_EQ(sum["errors"], 0u) << "reader " << i;
    EXPECT_EQ(sum["last_seq"], frames) << "reader " << i;
    EXPECT_EQ(sum["lost"], sum["gaps"]) << "reader " << i;
    if (specs[i].must_be_lapped) {
      // A lap shows as frames lost between two delivered ones, or as views overwritten while held ("dropped"):
      // a reader that holds every view longer than the writer takes to lap the ring may deliver only the last
      // frames, after the writer stopped, with nothing lost between them.
      EXPECT_GT(sum["lost"] + sum["dropped"], 0u) << "reader " << i << " was never lapped";
    }
    EXPECT_GT(sum["frames"], 0u) << "reader " << i;
  }
}

// 40 reader processes on one ring with 40 slots; a 41st is refused with too_many_readers; killing one frees a
// slot for the next.
TEST(RingStress, FortyReaderProcessesShareOneRingAndAFullRingRefusesMore) {
  ScopedStream s("many");
  auto w = spawn_agent("writer", s.name(), {"--slots", "40", "--until-seq", "1"});
  ASSERT_EQ(await_ready(w), 1u);
  ASSERT_TRUE(w.wait(10s));
  const uint64_t frames = 3000;
  std::vector<ChildProcess> readers;
  for (int i = 0; i < 40; ++i) {
    readers.push_back(spawn_agent("reader", s.name(), {"--mode", i % 2 ? "epoll" : "copy", "--until-seq",
                                                       std::to_string(frames), "--idle-exit-ms", "10000"}));
    await_ready(readers.back());
  }
  try {
    auto extra = zc::fifo::RingReader::open(s.name());
    FAIL() << "41st reader accepted";
  } catch (const zc::fifo::FifoError& e) {
    EXPECT_EQ(e.code(), zc::fifo::FifoErrc::too_many_readers);
  }
  readers.back().kill(SIGKILL);
  ASSERT_TRUE(readers.back().wait(5s));
  readers.pop_back();
  EXPECT_NO_THROW(zc::fifo::RingReader::open(s.name()));  // the dead reader's slot is free again
  readers.push_back(spawn_agent("reader", s.name(), {"--until-seq", std::to_string(frames)}));
  await_ready(readers.back());

  w = spawn_agent("writer", s.name(), {"--slots", "40", "--until-seq", std::to_string(frames), "--interval-us",
                                       "50"});
  await_ready(w);
  ASSERT_TRUE(w.wait(60s));
  for (size_t i = 0; i < readers.size(); ++i) {
    auto sum = await_summary(readers[i]);
    auto st = readers[i].wait(30s);
    ASSERT_TRUE(st);
    EXPECT_TRUE(exited_with(*st, 0)) << "reader " << i << ": " << describe_status(*st);
    EXPECT_EQ(sum["errors"], 0u) << "reader " << i;
    EXPECT_EQ(sum["last_seq"], frames) << "reader " << i;
    EXPECT_EQ(sum["lost"], sum["gaps"]) << "reader " << i;
  }
  auto status = zc::fifo::RingReader::inspect(s.name());
  EXPECT_EQ(status.readers_attached, 0u);
}

// A reader follows a ring that was recreated under its name (resized, or replaced after corruption). Following
// moves it to a new object and possibly a new slot: its old doorbell must not stay behind in /dev/shm, and a
// follow that cannot happen must say so rather than leave the reader without a doorbell.
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <gtest/gtest.h>

#include "support/test_support.h"

#include <filesystem>

using namespace zc::fifo;
using namespace std::chrono_literals;
using zc::test::ScopedStream;

namespace {

std::string doorbell_path(const std::string& stream, int slot) {
  return "/dev/shm/zcrec." + stream + ".wake." + std::to_string(slot);
}

RingOptions ring_of(uint64_t data_bytes, uint32_t reader_slots) {
  RingOptions o;
  o.data_bytes = data_bytes;
  o.reader_slots = reader_slots;
  o.force_capacity = true;  // replace the stale ring of another size instead of continuing it
  return o;
}

// Leaves a ring without a writer, so that the next writer may replace it.
void stale_ring(const std::string& name) {
  auto w = RingWriter::open(name, ring_of(256 * 1024, 4));
  w.set_stream_info(zc::test::video_stream_info());
  w.write({}, "x", 1);
}

}  // namespace

// The reader in slot 1 follows the new ring into slot 0; wake.1 must go with it.
TEST(RingReattach, FollowingANewRingLeavesNoDoorbellBehind) {
  ScopedStream s("reattach_leak");
  stale_ring(s.name());
  auto first = std::make_optional(RingReader::open(s.name()));
  auto follower = RingReader::open(s.name());
  ASSERT_EQ(follower.slot(), 1u);
  first.reset();
  ASSERT_TRUE(std::filesystem::exists(doorbell_path(s.name(), 1)));

  auto w = RingWriter::open(s.name(), ring_of(512 * 1024, 4));
  w.set_stream_info(zc::test::video_stream_info());
  EXPECT_EQ(follower.wait(300ms), WaitStatus::timeout);
  ASSERT_EQ(follower.slot(), 0u) << "the reader did not follow the new ring";
  EXPECT_TRUE(std::filesystem::exists(doorbell_path(s.name(), 0)));
  EXPECT_FALSE(std::filesystem::exists(doorbell_path(s.name(), 1))) << "the old doorbell leaked";

  // And it is woken through the new one.
  ASSERT_TRUE(follower.arm());
  w.write({}, "y", 1);
  EXPECT_EQ(follower.wait(2s), WaitStatus::ready);
}

// The new ring has one reader slot and somebody else holds it: the follower cannot follow, and says so.
TEST(RingReattach, AFollowThatCannotHappenIsAnError) {
  ScopedStream s("reattach_full");
  stale_ring(s.name());
  auto follower = RingReader::open(s.name());
  const int doorbell = follower.wake_fd();
  auto w = RingWriter::open(s.name(), ring_of(512 * 1024, 1));
  auto other = RingReader::open(s.name());
  try {
    follower.wait(300ms);
    ADD_FAILURE() << "wait() returned although the reader could not follow the new ring";
  } catch (const FifoError& e) {
    EXPECT_EQ(e.code(), FifoErrc::too_many_readers) << e.what();
  }
  EXPECT_EQ(follower.wake_fd(), doorbell) << "the failed follow took the reader's doorbell";
}

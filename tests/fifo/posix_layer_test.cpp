// The POSIX layer every module uses (zc/fifo/unique_fd.h, zc/fifo/ofd_lock.h, doorbell.h), on real files and FIFOs.
#include <zc/fifo/ofd_lock.h>
#include <zc/fifo/unique_fd.h>

#include <gtest/gtest.h>

#include "doorbell.h"
#include "support/test_support.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>

using namespace zc::fifo;

namespace {
std::string scratch_path(const std::string& tag) {
  return "/dev/shm/" + zc::test::unique_stream_name(tag);
}
}  // namespace

// OFD locks belong to open file descriptions: two opens of one file in one process exclude each other, a lock is
// never reported to its own holder, and closing the holder's descriptor drops it.
TEST(OfdLock, ExcludesOtherDescriptionsAndDiesWithItsDescriptor) {
  const auto path = scratch_path("ofd");
  UniqueFd a(::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600));
  UniqueFd b(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(ofd::try_lock(a.get(), 3, 1), 0);
  const int err = ofd::try_lock(b.get(), 3, 1);
  EXPECT_TRUE(err == EAGAIN || err == EACCES) << err;
  EXPECT_EQ(ofd::try_lock(b.get(), 4, 1), 0) << "a neighbouring byte is free";
  EXPECT_EQ(ofd::probe(b.get(), 3, 1), 1);
  EXPECT_EQ(ofd::probe(a.get(), 3, 1), 0) << "the holder's own lock is not a conflict";
  EXPECT_EQ(ofd::probe(b.get(), 0, 0), 1) << "whole-file probe sees the byte lock";
  a.reset();
  EXPECT_EQ(ofd::probe(b.get(), 3, 1), 0);
  EXPECT_EQ(ofd::try_lock(b.get(), 3, 1), 0);
  EXPECT_EQ(ofd::probe(-1, 0, 0), -EBADF);
  ::unlink(path.c_str());
}

// A sleeper's doorbell goes with its owner; an object's doorbell survives it and keeps a ring in flight.
TEST(Doorbell, SleeperFifoIsUnlinkedObjectFifoIsKept) {
  const auto sleeper_path = scratch_path("bell_sleeper");
  const auto object_path = scratch_path("bell_object");
  {
    Doorbell bell(sleeper_path, false, Doorbell::Lifetime::sleeper);
    DoorbellRinger ringer;
    ringer.ring(sleeper_path, 1);
    EXPECT_TRUE(bell.wait(1000));
    bell.drain();
    EXPECT_FALSE(bell.wait(0));
  }
  EXPECT_FALSE(std::filesystem::exists(sleeper_path));
  DoorbellRinger ringer;
  {
    Doorbell bell(object_path, false, Doorbell::Lifetime::object);
  }
  ASSERT_TRUE(std::filesystem::exists(object_path));
  ringer.ring(object_path, 1);  // rung while nobody sleeps on it
  Doorbell again(object_path, false, Doorbell::Lifetime::object);
  EXPECT_FALSE(again.wait(0)) << "a ring meant for the predecessor is drained on opening";
  ringer.ring(object_path, 1);  // the ringer's descriptor still reaches the reopened FIFO
  EXPECT_TRUE(again.wait(1000));
  ::unlink(object_path.c_str());
}

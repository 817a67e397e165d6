// A /dev/shm too small for the ring — a container's 64 MB default, or one filled by another program — must be a
// clear no_space error when the ring is opened, never a SIGBUS at some later frame. Each case runs in a forked
// child that mounts its own small tmpfs on /dev/shm in a private mount namespace (root only; skipped otherwise).
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <gtest/gtest.h>

#include "support/frame_pattern.h"
#include "support/test_support.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace zc::fifo;

namespace {

constexpr int kSkipped = 77;

// Runs `body` in a child whose /dev/shm is a fresh tmpfs of `shm_size` ("8m"); the child's exit code is the
// number of the first check that failed (0: all passed). A signal is reported as such.
void run_with_small_dev_shm(const char* shm_size, const std::function<int()>& body) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0) ::_exit(kSkipped);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(kSkipped);
    const std::string opts = std::string("size=") + shm_size + ",mode=1777";
    if (::mount("tmpfs", "/dev/shm", "tmpfs", 0, opts.c_str()) != 0) ::_exit(kSkipped);
    int rc = 100;
    try {
      rc = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "unexpected exception: %s\n", e.what());
      rc = 101;
    }
    ::_exit(rc);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_FALSE(WIFSIGNALED(status)) << "the child died of signal " << WTERMSIG(status) << " ("
                                    << ::strsignal(WTERMSIG(status)) << ")";
  if (WEXITSTATUS(status) == kSkipped) GTEST_SKIP() << "cannot mount a private tmpfs on /dev/shm (needs root)";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "check number " << WEXITSTATUS(status) << " failed in the child";
}

RingOptions ring_of(uint64_t bytes) {
  RingOptions o;
  o.data_bytes = bytes;
  o.reader_slots = 4;
  return o;
}

bool shm_object_exists(const std::string& stream) {
  const int fd = ::shm_open(("/zcrec." + stream).c_str(), O_RDONLY, 0);
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

// Returns the FifoErrc of opening a writer, or -1 if it opened.
int open_error(const std::string& stream, const RingOptions& opts, std::string* message) {
  try {
    RingWriter::open(stream, opts);
  } catch (const FifoError& e) {
    *message = e.what();
    return static_cast<int>(e.code());
  }
  return -1;
}

}  // namespace

TEST(RingShmSpace, RingLargerThanDevShmIsRefusedAtOpen) {
  run_with_small_dev_shm("8m", [] {
    const std::string stream = "space_big";
    std::string message;
    if (open_error(stream, ring_of(64ULL << 20), &message) != static_cast<int>(FifoErrc::no_space)) return 1;
    // The library says what to change in its own terms; the front ends name their flag or key (no "--" here).
    if (message.find("/dev/shm") == std::string::npos || message.find("smaller ring") == std::string::npos ||
        message.find("--") != std::string::npos)
      return 2;
    if (shm_object_exists(stream)) return 3;  // nothing half-made is left under the name
    return 0;
  });
}

TEST(RingShmSpace, DevShmFilledByAnotherProgramIsRefusedAtOpen) {
  run_with_small_dev_shm("8m", [] {
    // Another program takes 6 of the 8 MiB; a 4 MiB ring no longer fits although its size alone would.
    const int hog = ::open("/dev/shm/someone_elses_file", O_RDWR | O_CREAT, 0600);
    if (hog < 0 || ::posix_fallocate(hog, 0, 6 << 20) != 0) return 1;
    std::string message;
    if (open_error("space_full", ring_of(4 << 20), &message) != static_cast<int>(FifoErrc::no_space)) return 2;
    // Once the space is freed the same ring opens.
    ::ftruncate(hog, 0);
    if (open_error("space_full", ring_of(4 << 20), &message) != -1) return 3;
    return 0;
  });
}

TEST(RingShmSpace, RingThatFitsWrapsManyTimesWithoutFault) {
  run_with_small_dev_shm("8m", [] {
    const std::string stream = "space_fits";
    auto w = RingWriter::open(stream, ring_of(4 << 20));
    w.set_stream_info(zc::test::video_stream_info());
    ReaderOptions ro;
    ro.start = StartAt::next_frame;
    auto r = RingReader::open(stream, ro);
    // 600 frames of up to 64 KiB go round the 4 MiB ring several times; every page of it is written.
    std::vector<std::byte> buf(64 << 10);
    Frame f;
    for (uint64_t seq = 0; seq < 600; ++seq) {
      std::span<std::byte> payload(buf.data(), zc::test::pattern_size(seq, 32 << 10, 64 << 10));
      zc::test::fill_pattern(seq, payload);
      FrameMeta meta;
      meta.flags = seq % 10 == 0 ? frame_flag::keyframe : 0;
      meta.pts = static_cast<int64_t>(seq);
      w.write(meta, payload.data(), payload.size());
      if (r.try_read(f) != ReadStatus::frame) return 1;
      if (f.header.pts != static_cast<int64_t>(seq)) return 2;
      if (!zc::test::check_pattern(seq, std::as_bytes(std::span(f.payload)))) return 3;
    }
    return 0;
  });
}

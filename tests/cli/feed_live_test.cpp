// A live source is never paced a second time (docs/ingest.md): `zcrec feed FIFO` writes frames into the ring as
// they arrive, while `zcrec feed FILE` plays a file as a camera, paced by its timestamps. Judged by the capture
// times the ring stamped: a paced file's frames are spread over its media time by construction, a FIFO's frames
// that all arrived at once are not.
#include "cli/media_fixtures.h"
#include "support/test_support.h"

#include <zc/fifo/ring_reader.h>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

struct Stamps {
  int frames = 0;
  int64_t spread_ns = 0;  // last capture time - first
};

Stamps ring_stamps(const std::string& stream) {
  fifo::ReaderOptions ro;
  ro.start = fifo::StartAt::oldest_keyframe;
  auto r = fifo::RingReader::open(stream, ro);
  Stamps s;
  fifo::Frame f;
  int64_t first = 0, last = 0;
  for (;;) {
    const auto st = r.try_read(f);
    if (st != fifo::ReadStatus::frame) break;
    if (s.frames++ == 0) first = f.header.mono_ns;
    last = f.header.mono_ns;
  }
  s.spread_ns = last - first;
  return s;
}

// Writes `bytes` into the FIFO once a reader has it open (ENXIO until then), within `patience`.
bool write_into_fifo(const std::filesystem::path& fifo, const std::string& bytes, std::chrono::seconds patience) {
  const auto until = std::chrono::steady_clock::now() + patience;
  int fd = -1;
  while ((fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
    if (errno != ENXIO || std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  ::fcntl(fd, F_SETFL, 0);  // blocking from here: the reader is there
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return done == bytes.size();
}

TEST(FeedLive, AFifoIsReadAsFastAsItComesWhileAFileIsPacedByItsTimestamps) {
  TempDir dir;
  const auto input = dir / "in.h264";
  encode({.codec = "libx264", .seconds = 4, .gop = 30, .bframes = 0}, input);  // 120 frames at 30 fps: 4 s

  ScopedStream live("live");
  const auto fifo = dir / "camera.h264";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Background feed({ZCREC_BIN, "feed", fifo.string(), "--stream", live.name()}, dir / "feed.log");
  ASSERT_TRUE(write_into_fifo(fifo, read_file(input), 60s)) << read_file(dir / "feed.log");
  // The writer closed the pipe: the input is over, and feed ends by itself once it has written every frame.
  ASSERT_EQ(feed.stop(0, 60s), 0) << read_file(dir / "feed.log");
  const Stamps l = ring_stamps(live.name());
  EXPECT_EQ(l.frames, 120);
  // Paced, 120 frames of a 30 fps stream would span 3.97 s; read as they came, they span the time it takes to
  // read a few KB per frame out of a full pipe.
  // The margin to 3.97 s is for a busy host, where reading 120 frames can take a second.
  EXPECT_LT(l.spread_ns, 3'000'000'000) << "the FIFO was paced like a file";

  ScopedStream file("file");
  ASSERT_EQ(zcrec({"feed", input.string(), "--stream", file.name()}).exit_code, 0);
  const Stamps f = ring_stamps(file.name());
  EXPECT_EQ(f.frames, 120);
  EXPECT_GE(f.spread_ns, 3'900'000'000) << "a file played as a camera was not paced";
}

}  // namespace
}  // namespace zc::test

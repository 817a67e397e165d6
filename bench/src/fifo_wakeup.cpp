#include "fifo.h"

#include <zc/fifo/clock.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace zc::bench {

using namespace zc::fifo;

namespace {

constexpr int64_t kEndOfRun = -1;
// The writer pauses this long before each timed commit (and the pipe ping before each ping) so that the
// sleepers are really asleep; the same pause for both keeps the comparison fair (CPU idle states included).
constexpr auto kIdleBetweenCommits = std::chrono::microseconds(300);
constexpr auto kExtraIdlePerReader = std::chrono::microseconds(40);

void write_all(int fd, const void* data, size_t bytes) {
  const auto* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    bytes -= static_cast<size_t>(n);
  }
}

std::vector<char> read_all(int fd) {
  std::vector<char> out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

// The reader process: sleeps in epoll, and for every frame that woke it records now - the frame's commit stamp.
[[noreturn]] void wake_reader(const std::string& stream, int ready_fd, int result_fd) {
  const SystemClock clock;  // the ring's own stamps: the frame's mono_ns and this wakeup are on one clock
  std::vector<double> samples;
  try {
    ReaderOptions ro;
    ro.start = StartAt::next_frame;
    ro.wait_for_stream = std::chrono::seconds(10);
    auto r = RingReader::open(stream, ro);
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, r.wake_fd(), &ev);
    write_all(ready_fd, "r", 1);
    Frame f;
    for (bool done = false; !done;) {
      int64_t woke_ns = 0;  // when epoll_wait returned: the wakeup itself, before any reading work
      if (r.arm()) {
        if (::epoll_wait(ep, &ev, 1, 10000) <= 0) break;  // the writer is gone
        woke_ns = clock.mono_ns();
        r.drain();
      }
      while (r.try_read(f) == ReadStatus::frame) {
        if (f.header.pts == kEndOfRun) done = true;
        else if (woke_ns != 0) samples.push_back(static_cast<double>(woke_ns - f.header.mono_ns) / 1000.0);
        woke_ns = 0;
      }
    }
  } catch (...) {
  }
  write_all(result_fd, samples.data(), samples.size() * sizeof(double));
  ::_exit(0);
}

struct Child {
  pid_t pid;
  int result_fd;
};

}  // namespace

double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const size_t i = std::min(samples.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(samples.size())));
  return samples[i];
}

std::vector<double> measure_wakeups(int readers, int frames) {
  const SystemClock clock;
  const std::string stream = bench_stream_name("wake" + std::to_string(readers));
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) throw std::runtime_error("pipe2: " + std::string(std::strerror(errno)));
  std::vector<Child> children;
  // The readers are forked before the writer exists (they wait for the stream), so no ring state is inherited.
  for (int i = 0; i < readers; ++i) {
    int result[2];
    if (::pipe2(result, O_CLOEXEC) != 0) throw std::runtime_error("pipe2: " + std::string(std::strerror(errno)));
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
    if (pid == 0) {
      ::close(ready[0]);
      ::close(result[0]);
      wake_reader(stream, ready[1], result[1]);
    }
    ::close(result[1]);
    children.push_back({pid, result[0]});
  }
  ::close(ready[1]);
  std::vector<double> samples;
  try {
    RingOptions opts;
    opts.data_bytes = 4 << 20;
    opts.reader_slots = static_cast<uint32_t>(std::max(readers, 1));
    opts.force_capacity = true;
    auto w = RingWriter::open(stream, opts);
    TrackInfo t;
    t.kind = MediaKind::video;
    t.codec = Codec::h264;
    w.set_stream_info({0, {t}});
    for (int i = 0; i < readers; ++i) {
      char c;
      if (::read(ready[0], &c, 1) != 1) throw std::runtime_error("a wake reader did not start");
    }
    const char payload[256] = {};
    FrameMeta meta;
    meta.flags = frame_flag::keyframe;
    for (int i = 0; i < frames; ++i) {
      // Long enough for every reader to have gone back to sleep in epoll.
      std::this_thread::sleep_for(kIdleBetweenCommits + kExtraIdlePerReader * readers);
      meta.pts = i;
      meta.mono_ns = clock.mono_ns();
      w.write(meta, payload, sizeof payload);
    }
    meta.pts = kEndOfRun;
    meta.mono_ns = clock.mono_ns();
    w.write(meta, payload, sizeof payload);
    for (auto& c : children) {
      const auto bytes = read_all(c.result_fd);
      const auto* d = reinterpret_cast<const double*>(bytes.data());
      samples.insert(samples.end(), d, d + bytes.size() / sizeof(double));
    }
  } catch (...) {
    for (auto& c : children) ::kill(c.pid, SIGKILL);
    for (auto& c : children) ::waitpid(c.pid, nullptr, 0);
    RingWriter::remove(stream);
    throw;
  }
  for (auto& c : children) {
    ::close(c.result_fd);
    ::waitpid(c.pid, nullptr, 0);
  }
  ::close(ready[0]);
  RingWriter::remove(stream);
  return samples;
}

std::vector<double> measure_pipe_floor(int round_trips) {
  const SystemClock clock;
  int ping[2], pong[2];
  if (::pipe2(ping, O_CLOEXEC) != 0 || ::pipe2(pong, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe2: " + std::string(std::strerror(errno)));
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    ::close(ping[1]);  // so that the parent closing its end ends the loop
    ::close(pong[0]);
    char c;
    while (::read(ping[0], &c, 1) == 1)
      if (::write(pong[1], &c, 1) != 1) break;
    ::_exit(0);
  }
  ::close(ping[0]);
  ::close(pong[1]);
  std::vector<double> samples;
  for (int i = 0; i < round_trips; ++i) {
    char c = 'p';
    const int64_t t0 = clock.mono_ns();
    if (::write(ping[1], &c, 1) != 1 || ::read(pong[0], &c, 1) != 1) break;
    samples.push_back(static_cast<double>(clock.mono_ns() - t0) / 2000.0);
    std::this_thread::sleep_for(kIdleBetweenCommits);  // the same pause as between ring commits
  }
  ::close(ping[1]);
  ::close(pong[0]);
  ::waitpid(pid, nullptr, 0);
  return samples;
}

std::vector<double> measure_oneway_floor(int wakeups) {
  const SystemClock clock;
  // The stamp lives in a shared anonymous page: the waker stores it, the sleeper reads it after waking.
  void* page = ::mmap(nullptr, sizeof(std::atomic<int64_t>), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) throw std::runtime_error("mmap: " + std::string(std::strerror(errno)));
  auto* stamp = new (page) std::atomic<int64_t>(0);
  int bell[2], ready[2], result[2];
  if (::pipe2(bell, O_CLOEXEC) != 0 || ::pipe2(ready, O_CLOEXEC) != 0 || ::pipe2(result, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe2: " + std::string(std::strerror(errno)));
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    // The sleeper does what a ring reader does around the wakeup: epoll on a non-blocking pipe, then drain it.
    ::close(bell[1]);
    ::close(ready[0]);
    ::close(result[0]);
    ::fcntl(bell[0], F_SETFL, O_NONBLOCK);
    std::vector<double> samples;
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, bell[0], &ev);
    write_all(ready[1], "r", 1);
    for (;;) {
      if (::epoll_wait(ep, &ev, 1, 10000) <= 0) break;
      const int64_t woke_ns = clock.mono_ns();
      char buf[64];
      ssize_t n = 0, got = 0;
      while ((n = ::read(bell[0], buf, sizeof buf)) > 0) got += n;
      if (n == 0) break;  // the waker closed its end: the run is over
      if (got == 1) samples.push_back(static_cast<double>(woke_ns - stamp->load()) / 1000.0);
    }
    write_all(result[1], samples.data(), samples.size() * sizeof(double));
    ::_exit(0);
  }
  ::close(bell[0]);
  ::close(ready[1]);
  ::close(result[1]);
  char c;
  const bool started = ::read(ready[0], &c, 1) == 1;
  for (int i = 0; started && i < wakeups; ++i) {
    std::this_thread::sleep_for(kIdleBetweenCommits + kExtraIdlePerReader);  // the single-reader ring's pause
    stamp->store(clock.mono_ns());
    write_all(bell[1], "w", 1);
  }
  ::close(bell[1]);
  const auto bytes = read_all(result[0]);
  ::close(result[0]);
  ::close(ready[0]);
  ::waitpid(pid, nullptr, 0);
  ::munmap(page, sizeof(std::atomic<int64_t>));
  const auto* d = reinterpret_cast<const double*>(bytes.data());
  return {d, d + bytes.size() / sizeof(double)};
}

}  // namespace zc::bench

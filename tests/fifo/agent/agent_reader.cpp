#include "agent.h"

#include "support/frame_pattern.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>

#include <sys/epoll.h>
#include <unistd.h>

#include <chrono>
#include <cstdarg>
#include <cstdio>

namespace zc::test::agent {

using namespace zc::fifo;
using Clock = std::chrono::steady_clock;

namespace {

// Everything a reader may claim about a frame, checked against what the writer derived from the sequence.
class FrameChecker {
 public:
  explicit FrameChecker(const ReaderArgs& a) : args_(a) {}

  // `verified`: the caller already checked the bytes in place (they may be overwritten by now).
  void check(const FrameHeader& h, std::span<const std::byte> payload, bool verified = false) {
    ++frames_;
    // A followed, recreated ring starts its sequence over: the frame is flagged, yet reports no loss, and its
    // seq is unrelated to the old ring's (lower, or higher if the new writer got further before we followed).
    if (args_.allow_restart && (h.flags & frame_flag::discontinuity) != 0 && h.lost_before == 0 &&
        h.seq != last_seq_ + 1) {
      ++restarts_;  // followed a recreated ring
      last_seq_ = 0;
      last_mono_ = 0;
    }
    if (h.seq <= last_seq_)
      fail("seq %llu (pos %llu, flags %#x) after %llu: duplicate or out of order", u(h.seq), u(h.pos), h.flags,
           u(last_seq_));
    if (last_seq_ != 0 && h.seq > last_seq_ && h.lost_before != h.seq - last_seq_ - 1)
      fail("seq %llu after %llu but lost_before=%llu", u(h.seq), u(last_seq_), u(h.lost_before));
    if (h.lost_before != 0) {
      lost_ += h.lost_before;
      if (!h.is_key()) fail("resumed after a loss on non-keyframe seq %llu", u(h.seq));
      if ((h.flags & frame_flag::discontinuity) == 0) fail("loss before seq %llu not flagged", u(h.seq));
    }
    if (last_seq_ != 0 && h.seq > last_seq_ + 1) gaps_ += h.seq - last_seq_ - 1;
    // Before its first frame only the reader knows where it started (frames overwritten between attaching and
    // the first read are a real loss), so the first frame's claim is the gap.
    if (last_seq_ == 0) gaps_ += h.lost_before;
    if ((h.flags & frame_flag::discontinuity) != 0) ++discont_;
    if (h.pts != static_cast<int64_t>(h.seq)) fail("seq %llu carries pts %lld", u(h.seq), (long long)h.pts);
    if (h.size != pattern_size(h.seq, args_.min_size, args_.max_size) || payload.size() != h.size)
      fail("seq %llu has size %u", u(h.seq), h.size);
    else if (!verified && !check_pattern(h.seq, payload))
      fail("seq %llu payload is torn or foreign", u(h.seq));
    if (h.mono_ns < last_mono_) fail("seq %llu: capture time went backwards", u(h.seq));
    last_mono_ = h.mono_ns;
    if (h.seq > last_seq_) last_seq_ = h.seq;
  }

  void fail(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    if (++errors_ > 20) return;
    std::va_list ap;
    va_start(ap, fmt);
    std::fprintf(stderr, "reader %d: ", static_cast<int>(::getpid()));
    std::vfprintf(stderr, fmt, ap);
    std::fputc('\n', stderr);
    va_end(ap);
  }

  bool finished() const { return args_.until_seq != 0 && last_seq_ >= args_.until_seq; }
  uint64_t last_seq() const { return last_seq_; }
  uint64_t errors() const { return errors_; }

  void print_summary(const RingReader& r, uint64_t dropped, uint64_t sleeps) {
    if (r.frames_lost() != lost_)
      fail("frames_lost()=%llu but frames reported lost add up to %llu", u(r.frames_lost()), u(lost_));
    std::printf("summary frames=%llu lost=%llu gaps=%llu discont=%llu dropped=%llu sleeps=%llu last_seq=%llu "
                "errors=%llu restarts=%llu\n",
                u(frames_), u(lost_), u(gaps_), u(discont_), u(dropped), u(sleeps), u(last_seq_), u(errors_), u(restarts_));
    std::fflush(stdout);
  }

 private:
  static unsigned long long u(uint64_t v) { return v; }
  const ReaderArgs& args_;
  uint64_t restarts_ = 0;
  uint64_t frames_ = 0, lost_ = 0, gaps_ = 0, discont_ = 0, errors_ = 0, last_seq_ = 0;
  int64_t last_mono_ = 0;
};

StartAt start_of(const std::string& s) {
  if (s == "oldest") return StartAt::oldest_keyframe;
  if (s == "next_key") return StartAt::next_keyframe;
  if (s == "next_frame") return StartAt::next_frame;
  return StartAt::newest_keyframe;
}

void pause_us(uint32_t us) {
  if (us != 0) ::usleep(us);
}

// Copy mode: RingReader::read() with its own waiting.
uint64_t read_copies(RingReader& r, FrameChecker& c, const ReaderArgs& a) {
  Frame f;
  auto last_frame = Clock::now();
  while (!c.finished()) {
    const auto st = r.read(f, std::chrono::milliseconds(100));
    if (st == WaitStatus::ready) {
      c.check(f.header, {reinterpret_cast<const std::byte*>(f.payload.data()), f.payload.size()});
      last_frame = Clock::now();
      pause_us(a.slow_us);
    } else if (Clock::now() - last_frame > std::chrono::milliseconds(a.idle_exit_ms)) {
      break;
    }
  }
  return 0;
}

// View mode: look at frames in place. A frame whose bytes do not match may only be one that the writer
// overwrote while we looked, and still_valid() must then say so.
uint64_t read_views(RingReader& r, FrameChecker& c, const ReaderArgs& a, uint64_t& dropped) {
  auto last_frame = Clock::now();
  while (!c.finished()) {
    auto v = r.peek();
    if (!v) {
      if (Clock::now() - last_frame > std::chrono::milliseconds(a.idle_exit_ms)) break;
      r.wait(std::chrono::milliseconds(100));
      continue;
    }
    pause_us(a.view_hold_us);
    const bool size_ok = v->header.size == pattern_size(v->header.seq, a.min_size, a.max_size);
    const bool bytes_ok = size_ok && check_pattern(v->header.seq, v->payload);
    const bool intact = r.still_valid(*v);
    const uint64_t before = r.frames_read();
    const auto header = v->header;
    r.consume(*v);
    if (r.frames_read() == before) {  // overwritten before consume: not delivered, will count as lost
      ++dropped;
      continue;
    }
    if (!intact) {
      c.fail("consume() delivered seq %llu that still_valid() had rejected", (unsigned long long)header.seq);
      continue;
    }
    if (!bytes_ok) {
      c.fail("seq %llu read in place is torn, yet still_valid() said it was intact",
             (unsigned long long)header.seq);
      continue;
    }
    c.check(header, v->payload, true);
    last_frame = Clock::now();
    pause_us(a.slow_us);
  }
  return 0;
}

// Epoll mode: the reader sleeps in epoll on wake_fd(). A wakeup that never comes shows up as an epoll timeout
// after which a frame turns out to have been waiting: that is a lost wakeup and an error.
uint64_t read_epoll(RingReader& r, FrameChecker& c, const ReaderArgs& a) {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, r.wake_fd(), &ev);
  Frame f;
  uint64_t sleeps = 0;
  while (!c.finished()) {
    if (r.try_read(f) == ReadStatus::frame) {
      c.check(f.header, {reinterpret_cast<const std::byte*>(f.payload.data()), f.payload.size()});
      pause_us(a.slow_us);
      continue;
    }
    if (!r.arm()) continue;
    ++sleeps;
    const int n = ::epoll_wait(ep, &ev, 1, static_cast<int>(a.idle_exit_ms));
    r.drain();
    if (n == 0) {
      if (r.try_read(f) == ReadStatus::frame) {
        c.fail("lost wakeup: seq %llu was waiting after %u ms in epoll", (unsigned long long)f.header.seq,
               a.idle_exit_ms);
        c.check(f.header, {reinterpret_cast<const std::byte*>(f.payload.data()), f.payload.size()});
        continue;
      }
      break;
    }
  }
  ::close(ep);
  return sleeps;
}

}  // namespace

int run_reader(const ReaderArgs& a) {
  try {
    ReaderOptions ro;
    ro.start = start_of(a.start);
    ro.wait_for_stream = std::chrono::milliseconds(a.wait_ms);
    auto r = RingReader::open(a.stream, ro);
    std::printf("ready %u\n", r.slot());
    std::fflush(stdout);
    FrameChecker c(a);
    uint64_t dropped = 0, sleeps = 0;
    if (a.mode == "view")
      read_views(r, c, a, dropped);
    else if (a.mode == "epoll")
      sleeps = read_epoll(r, c, a);
    else
      read_copies(r, c, a);
    c.print_summary(r, dropped, sleeps);
    return c.errors() == 0 ? 0 : 1;
  } catch (const FifoError& e) {
    std::printf("error %d %s\n", static_cast<int>(e.code()), e.what());
    std::fflush(stdout);
    return 10 + static_cast<int>(e.code());
  }
}

}  // namespace zc::test::agent

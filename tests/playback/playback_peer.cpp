// A separate process on one side of a playback fifo, so that tests can kill a real peer with SIGKILL.
//   playback_peer writer NAME FRAMES BYTES [--hold]   writes FRAMES numbered frames (then waits forever if --hold)
//   playback_peer reader NAME [--take N] [--delay-us D] [--hold] [--die]
//        reads until end of stream (or N frames), checking order and content; prints "frames=K first=F";
//        --hold: stop reading and wait forever, --die: SIGKILL itself after the frames
// Exit codes: 0 done, 3 peer gone, 4 content or order error, 2 usage.
#include <zc/fifo/error.h>
#include <zc/fifo/playback_fifo.h>

#include "playback/peer_frames.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

using namespace zc::fifo;
using namespace std::chrono_literals;

namespace {

[[noreturn]] void hold_forever() {
  for (;;) ::pause();
}

int run_writer(const std::string& name, uint64_t frames, size_t bytes, bool hold) {
  PlaybackFifoOptions o;
  o.data_bytes = 256 * 1024;
  auto w = PlaybackWriter::create(name, o);
  w.set_stream_info(zc::test::peer_stream_info());
  std::vector<uint8_t> payload;
  try {
    for (uint64_t n = 0; n < frames; ++n) {
      zc::test::peer_payload(n, bytes, payload);
      w.write(zc::test::peer_meta(n), std::as_bytes(std::span(payload)));
    }
    std::printf("written=%llu\n", static_cast<unsigned long long>(frames));
    std::fflush(stdout);
    if (hold) hold_forever();
    w.end_stream();
    if (w.wait_drained(10s) == WriterWake::peer_gone) return 3;
  } catch (const FifoError& e) {
    std::printf("error=%s\n", to_string(e.code()));
    return e.code() == FifoErrc::peer_gone ? 3 : 1;
  }
  return 0;
}

int run_reader(const std::string& name, uint64_t take, int delay_us, bool hold, bool die) {
  PlaybackReaderOptions o;
  o.wait_for_fifo = 5s;
  auto r = PlaybackReader::open(name, o);
  Frame f;
  uint64_t count = 0;
  int64_t first = -1, expect = -1;
  std::vector<uint8_t> want;
  int rc = 0;
  while (take == 0 || count < take) {
    const auto st = r.read(f, 10s);
    if (st == PlaybackStatus::end_of_stream) break;
    if (st != PlaybackStatus::frame) {
      rc = st == PlaybackStatus::peer_gone ? 3 : 1;
      break;
    }
    const int64_t n = zc::test::peer_index(f.header);
    if (first < 0) first = expect = n;
    zc::test::peer_payload(static_cast<uint64_t>(n), f.payload.size(), want);
    if (n != expect || f.payload != want) {
      std::printf("mismatch at frame %lld (expected %lld)\n", static_cast<long long>(n),
                  static_cast<long long>(expect));
      return 4;
    }
    ++expect;
    ++count;
    if (delay_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
  }
  std::printf("frames=%llu first=%lld\n", static_cast<unsigned long long>(count), static_cast<long long>(first));
  std::fflush(stdout);
  if (die) ::kill(::getpid(), SIGKILL);
  if (hold) hold_forever();
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const std::string mode = argv[1], name = argv[2];
  try {
    if (mode == "writer" && argc >= 5)
      return run_writer(name, std::stoull(argv[3]), std::stoull(argv[4]), argc > 5 && std::strcmp(argv[5], "--hold") == 0);
    if (mode == "reader") {
      uint64_t take = 0;
      int delay = 0;
      bool hold = false, die = false;
      for (int i = 3; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--take" && i + 1 < argc) take = std::stoull(argv[++i]);
        else if (a == "--delay-us" && i + 1 < argc) delay = std::stoi(argv[++i]);
        else if (a == "--hold") hold = true;
        else if (a == "--die") die = true;
        else return 2;
      }
      return run_reader(name, take, delay, hold, die);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "playback_peer: %s\n", e.what());
    return 1;
  }
  return 2;
}

// fifo_ring_agent: a real writer or reader process for the multi-process ring tests. Frames carry payloads
// derived from their sequence number (support/frame_pattern.h), so every reader proves what it receives.
//
// Protocol with the test on stdout, one line each:
//   writer: "ready <first_seq>" once the ring is open, "done <last_seq>" at the end,
//           "error <errc> <message>" and exit code 10 + errc when opening fails.
//   reader: "ready <slot>" once attached, then at the end
//           "summary frames=F lost=L gaps=G discont=D dropped=X sleeps=S last_seq=Q errors=E"; exit 0 iff E == 0.
#pragma once

#include <cstdint>
#include <string>

namespace zc::test::agent {

struct WriterArgs {
  std::string stream;
  uint64_t ring_bytes = 1 << 20;
  uint32_t reader_slots = 32;
  uint32_t min_size = 64, max_size = 4096;
  uint32_t key_every = 16;
  uint64_t until_seq = 0;       // 0: write until killed
  uint32_t interval_us = 0;     // pause after each frame
  bool pieces = false;          // write each frame from NAL-sized pieces instead of in place
  uint64_t die_mid_frame_after = 0;  // >0: after this many frames, reserve one, half-fill it, SIGKILL self
};

struct ReaderArgs {
  std::string stream;
  std::string mode = "copy";   // copy | view | epoll
  std::string start = "newest";  // newest | oldest | next_key | next_frame
  uint32_t min_size = 64, max_size = 4096;
  uint32_t slow_us = 0;        // pause after each frame (a slow consumer that gets lapped)
  uint32_t view_hold_us = 0;   // view mode: pause between looking at a frame and checking it is intact
  uint64_t until_seq = 0;      // stop after a frame with seq >= this
  uint32_t idle_exit_ms = 3000;  // stop after this long without a frame
  uint32_t wait_ms = 0;        // how long to wait for the stream to appear
  bool allow_restart = false;  // the ring may be removed and recreated: seq may start over at a discontinuity
};

int run_writer(const WriterArgs& args);
int run_reader(const ReaderArgs& args);

}  // namespace zc::test::agent

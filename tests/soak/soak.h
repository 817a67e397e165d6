// zc_soak: long-running reliability campaigns against real processes (issue 13). Each campaign runs on its own
// thread until the deadline and keeps its figures; soak_main prints them and judges them against the targets.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace zc::soak {

using Clock = std::chrono::steady_clock;

struct Paths {
  std::string ring_agent;  // tests/fifo/agent: pattern writer and checking reader
  std::string zcrec;       // the CLI: feed testsrc, start, check, list
  std::string work_dir;    // catalogs and the disk-full tmpfs live below it
};

// The content-checked ring: a pattern writer SIGKILLed and taken over again and again, checking readers (some
// lapped), and victim readers SIGKILLed while attached.
struct RingFigures {
  std::atomic<uint64_t> frames_checked{0};   // delivered to a checking reader that ran to its end
  std::atomic<uint64_t> content_errors{0};   // torn, duplicate, out-of-order or misreported loss (readers' count)
  std::atomic<uint64_t> frames_lost{0};      // reported as lost by lapped readers (allowed: they were told)
  std::atomic<uint64_t> writer_kills{0};     // SIGKILL from outside, plus self-kills holding a reserved frame
  std::atomic<uint64_t> writer_mid_frame_kills{0};
  std::atomic<uint64_t> reader_kills{0};
  std::atomic<uint64_t> reader_runs{0};      // checking readers that ran to their end and reported
  std::atomic<uint64_t> failures{0};         // a process that did not start, did not report, or exited badly
};

// Recorders (`zcrec start`) on a live testsrc camera, SIGKILLed at random moments, then `zcrec check`.
struct RecorderFigures {
  std::atomic<uint64_t> kills{0};
  std::atomic<uint64_t> inconsistent{0};     // `zcrec check` found the catalog and files disagreeing
  std::atomic<uint64_t> over_one_fragment{0};  // kills that lost more than one fragment (+ one frame, + 100 ms)
  std::atomic<uint64_t> failures{0};
  std::mutex m;
  std::vector<double> fragments_lost;        // per kill: (captured - recorded) / fragment duration
  std::atomic<uint64_t> disk_full_cycles{0};  // full reported, resumed after space returned, stopped, checked
  std::atomic<uint64_t> disk_full_failures{0};
  std::string disk_full_skipped;             // why the disk-full cycles did not run, if they did not
};

void run_ring_campaign(const Paths& p, Clock::time_point until, RingFigures& f);
void run_recorder_campaign(const Paths& p, Clock::time_point until, RecorderFigures& f);
void run_disk_full_campaign(const Paths& p, Clock::time_point until, RecorderFigures& f);

// Thread-safe one-line log on stderr with the elapsed time.
void note(const std::string& line);

}  // namespace zc::soak

// SIGINT/SIGTERM as a file descriptor (signalfd): long-running commands (`feed`, `cat`) poll it while they
// sleep or wait, so a stop request ends them cleanly at a frame boundary without a global flag.
#pragma once

#include <signal.h>

#include <chrono>

namespace zc::cli {

class StopSignals {
 public:
  StopSignals();  // blocks SIGINT and SIGTERM for this thread and routes them to the descriptor
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  int fd() const noexcept { return fd_; }
  // True once a stop signal has arrived (never blocks).
  bool requested();
  // Sleeps for `d` unless a stop signal arrives first; returns false when one did.
  bool sleep_for(std::chrono::nanoseconds d);

 private:
  int fd_ = -1;
  bool requested_ = false;
  sigset_t previous_{};
};

}  // namespace zc::cli

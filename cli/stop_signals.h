// SIGINT/SIGTERM (and any extra signals a command asks for, e.g. SIGUSR1 for `start`) as a file descriptor
// (signalfd): long-running commands poll it while they sleep or wait, so a stop request ends them cleanly at a
// frame boundary without a handler or a global flag.
#pragma once

#include <signal.h>

#include <chrono>
#include <initializer_list>

namespace zc::cli {

class StopSignals {
 public:
  // Blocks SIGINT, SIGTERM and `extra` for this thread and routes them to the descriptor. Throws
  // std::runtime_error when that fails: with the signals blocked and no descriptor, nothing could stop us.
  explicit StopSignals(std::initializer_list<int> extra = {});
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  int fd() const noexcept { return fd_; }
  // The next pending signal's number, or 0 (never blocks). SIGINT/SIGTERM also make requested() true.
  int next();
  // True once a stop signal has arrived (never blocks). Pending extra signals are consumed and dropped.
  bool requested();
  // Sleeps for `d` unless a stop signal arrives first; returns false when one did.
  bool sleep_for(std::chrono::nanoseconds d);

 private:
  int fd_ = -1;
  bool requested_ = false;
  sigset_t previous_{};
};

}  // namespace zc::cli

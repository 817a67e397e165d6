// A real child process started with posix_spawn, its stdout read line by line through a pipe. The destructor
// SIGKILLs and reaps a child that is still running, so a failing test never leaves processes behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace zc::test {

class ChildProcess {
 public:
  // argv[0] is the executable path. stdout is captured; stderr is inherited (it lands in the test log).
  static ChildProcess spawn(const std::vector<std::string>& argv);

  ChildProcess(ChildProcess&& o) noexcept;
  ChildProcess& operator=(ChildProcess&& o) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const noexcept { return pid_; }
  bool running() const noexcept { return pid_ > 0 && !status_; }

  // Next line of stdout without its newline; nullopt on timeout or end of output.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Reads stdout until the child closes it (or the timeout passes) and returns what was not yet read.
  std::string read_rest(std::chrono::milliseconds timeout);

  void kill(int signal) noexcept;
  // Waits for the child to end; returns its wait status, or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  ChildProcess(pid_t pid, int out_fd) : pid_(pid), out_fd_(out_fd) {}
  bool fill(std::chrono::milliseconds timeout);
  void reset() noexcept;

  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool eof_ = false;
  std::string buffered_;
  std::optional<int> status_;
};

// Readable descriptions of a wait status for assertion messages, and predicates on it.
std::string describe_status(int status);
bool exited_with(int status, int code);
bool killed_by(int status, int signal);

}  // namespace zc::test

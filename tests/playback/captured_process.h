// A real child process for tests: fork + exec, stdout captured through a pipe (or sent to a given fd), killed and
// reaped on scope exit. Not support/child_process.h's ChildProcess (posix_spawn, line by line): the two shared
// that name in the playback test binaries, which link both, and the linker was free to mix their inline and
// out-of-line members (an ODR violation).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace zc::test {

class CapturedProcess {
 public:
  // stdout_fd: -1 captures stdout through a pipe; `with_stderr` captures stderr into the same pipe.
  explicit CapturedProcess(const std::vector<std::string>& argv, int stdout_fd = -1, bool with_stderr = false) {
    int p[2] = {-1, -1};
    if (stdout_fd < 0 && ::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      int null_fd = ::open("/dev/null", O_RDONLY);
      ::dup2(null_fd, 0);
      ::dup2(stdout_fd >= 0 ? stdout_fd : p[1], 1);
      if (with_stderr) ::dup2(1, 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    if (stdout_fd < 0) {
      ::close(p[1]);
      out_fd_ = p[0];
    }
  }
  CapturedProcess(const CapturedProcess&) = delete;
  CapturedProcess& operator=(const CapturedProcess&) = delete;
  ~CapturedProcess() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
  }

  pid_t pid() const { return pid_; }
  void kill(int sig = SIGKILL) { ::kill(pid_, sig); }

  // Reads stdout until `needle` appears or the timeout passes; returns everything read so far.
  std::string read_until(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out_.find(needle) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !read_some(static_cast<int>(left.count()))) break;
    }
    return out_;
  }

  // Waits for exit (killing after the timeout); returns the exit code, or 128 + signal.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      if (out_fd_ >= 0) read_some(10);
      else ::usleep(2000);
    }
    reaped_ = true;
    while (out_fd_ >= 0 && read_some(0)) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  const std::string& output() const { return out_; }

 private:
  bool read_some(int timeout_ms) {
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[4096];
    ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n <= 0) return false;
    out_.append(buf, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool reaped_ = false;
  std::string out_;
};

}  // namespace zc::test

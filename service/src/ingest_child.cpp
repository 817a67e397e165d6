#include "ingest_child.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

namespace zc::service {

namespace {

int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

std::string describe(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

}  // namespace

std::vector<std::string> process_cmdline(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  size_t at = 0;
  while (at < raw.size()) {
    const size_t end = raw.find('\0', at);
    out.push_back(raw.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return out;
}

IngestChild::IngestChild(std::vector<std::string> argv, std::string ring) : argv_(std::move(argv)), ring_(std::move(ring)) {}

IngestChild::~IngestChild() {
  try {
    stop();
  } catch (...) {
  }
}

IngestChild::Start IngestChild::start() {
  if (running()) return Start::started;
  std::optional<fifo::RingStatus> status;
  try {
    status = fifo::RingReader::inspect(ring_);
  } catch (const fifo::FifoError&) {
    // No ring yet, or one the new writer will recreate: nothing to adopt.
  }
  if (status && status->writer_alive && status->writer_pid > 0) {
    const pid_t writer = static_cast<pid_t>(status->writer_pid);
    const auto cmdline = process_cmdline(writer);
    if (cmdline == argv_) {
      pidfd_ = fifo::UniqueFd(open_pidfd(writer));
      if (pidfd_) {
        pid_ = writer;
        ours_ = false;
        return Start::adopted;
      }
    } else if (cmdline.size() >= 2 && cmdline[1] == "feed" &&
               std::find(cmdline.begin(), cmdline.end(), ring_) != cmdline.end()) {
      // An ingest of this ring with an older configuration (a daemon died before a reload took effect).
      fifo::UniqueFd fd(open_pidfd(writer));
      ::kill(writer, SIGTERM);
      pollfd p{fd.get(), POLLIN, 0};
      if (!fd || ::poll(&p, 1, 3000) == 0) ::kill(writer, SIGKILL);
      if (fd) ::poll(&p, 1, 3000);
    } else if (!cmdline.empty()) {
      throw std::runtime_error("ring " + ring_ + " is written by another process (pid " + std::to_string(writer) +
                               ": " + cmdline[0] + "); not starting a second writer");
    }
  }

  std::vector<char*> args;
  for (auto& a : argv_) args.push_back(a.data());
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    // Only async-signal-safe calls until exec. A session of its own: the daemon's death (or a ^C on its
    // terminal) does not reach the ingest; the next daemon adopts it.
    ::setsid();
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);  // stdout is the daemon's (its address line); the ingest logs on stderr only
    }
    // Nothing of the daemon's but stdout/stderr: an inherited listening socket would keep the API's port busy
    // for the next daemon as long as this (adoptable) process lives.
    ::close_range(3, ~0U, 0);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  pid_ = pid;
  ours_ = true;
  pidfd_ = fifo::UniqueFd(open_pidfd(pid));
  return Start::started;
}

std::optional<std::string> IngestChild::wait_exit(std::chrono::milliseconds timeout) {
  if (!running()) return "not running";
  if (pidfd_) {
    pollfd p{pidfd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) == 0) return std::nullopt;
  } else if (::kill(pid_, 0) == 0) {
    if (!ours_) return std::nullopt;  // no pidfd for an adopted process: nothing to wait on but time
  }
  std::string how = "exited";
  if (ours_) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, pidfd_ ? 0 : WNOHANG);
    if (r == 0) return std::nullopt;
    if (r == pid_) how = describe(status);
  }
  pid_ = -1;
  pidfd_ = fifo::UniqueFd();
  return how;
}

void IngestChild::stop(std::chrono::milliseconds grace) {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  if (wait_exit(grace)) return;
  ::kill(pid_, SIGKILL);
  while (running() && !wait_exit(std::chrono::seconds(1))) {
  }
}

}  // namespace zc::service

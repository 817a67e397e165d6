#include "ingest_child.h"

#include "pid_lock.h"

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
#include <string_view>
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

// NUL-separated strings of a /proc file.
std::vector<std::string> read_proc_strings(pid_t pid, const char* file) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file, std::ios::binary);
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

}  // namespace

std::vector<std::string> process_cmdline(pid_t pid) { return read_proc_strings(pid, "cmdline"); }
std::vector<std::string> process_environ(pid_t pid) { return read_proc_strings(pid, "environ"); }

IngestChild::IngestChild(ingest::IngestSpec spec, std::filesystem::path pid_file)
    : spec_(std::move(spec)), argv_(ingest::ingest_command(spec_)), ring_(spec_.ring), pid_file_(std::move(pid_file)) {
  // The daemon's environment, less anything the spec sets (a $ZCREC_SOURCE_PASSWORD zcrecd was started with
  // must not reach every camera), plus the spec's own.
  const std::string password_prefix = std::string(ingest::kPasswordEnv) + "=";
  for (char** e = ::environ; e != nullptr && *e != nullptr; ++e)
    if (std::string_view(*e).rfind(password_prefix, 0) != 0) env_.emplace_back(*e);
  for (auto& kv : ingest::ingest_environment(spec_)) env_.push_back(std::move(kv));
}

bool IngestChild::is_ours(pid_t pid) const {
  const auto spec = ingest::parse_ingest_command(process_cmdline(pid), process_environ(pid));
  return spec && *spec == spec_;
}

IngestChild::~IngestChild() {
  try {
    stop();
  } catch (...) {
  }
}

std::filesystem::path ingest_pid_file(const std::filesystem::path& storage_dir, const std::string& ring) {
  return storage_dir / ".ingest" / (ring + ".pid");
}

bool is_ingest_of(const std::vector<std::string>& cmdline, const std::string& ring) {
  if (cmdline.size() < 4 || cmdline[1] != "feed") return false;
  // Any zcrec binary (zcrecd --zcrec may name e.g. zcrec-1.2), never another program that takes "feed".
  if (std::filesystem::path(cmdline[0]).filename().string().rfind("zcrec", 0) != 0) return false;
  for (size_t i = 2; i + 1 < cmdline.size(); ++i)
    if (cmdline[i] == "--stream" && cmdline[i + 1] == ring) return true;
  return false;
}

void terminate_process(pid_t pid, std::chrono::milliseconds grace) {
  fifo::UniqueFd fd(open_pidfd(pid));
  if (!fd) return;  // gone already
  // Signals go through the pidfd: they cannot reach another process that took the pid over meanwhile.
  ::syscall(SYS_pidfd_send_signal, fd.get(), SIGTERM, nullptr, 0);
  pollfd p{fd.get(), POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(grace.count())) == 0) {
    ::syscall(SYS_pidfd_send_signal, fd.get(), SIGKILL, nullptr, 0);
    ::poll(&p, 1, 5000);
  }
}

IngestChild::Start IngestChild::start() {
  if (running()) return Start::started;
  lock_ = fifo::UniqueFd();
  PidLock lock = PidLock::try_acquire(pid_file_);
  if (!lock.held()) {
    // A live process holds this camera's ingest lock: an ingest a dead daemon started (still connecting, or
    // feeding the ring), or a process that is none of ours.
    const auto holder = lock.holder();
    if (!holder) {
      throw std::runtime_error("ingest lock " + pid_file_.string() + " is held by a process that wrote no pid");
    }
    const auto cmdline = process_cmdline(*holder);
    if (is_ours(*holder)) {
      pidfd_ = fifo::UniqueFd(open_pidfd(*holder));
      // The pid is live while the lock is held, but check again: the holder may have died since we looked.
      if (pidfd_ && is_ours(*holder)) {
        pid_ = *holder;
        ours_ = false;
        return Start::adopted;
      }
      pidfd_ = fifo::UniqueFd();
    } else if (is_ingest_of(cmdline, ring_)) {
      // This camera's ingest with an older configuration (a daemon died before a reload took effect).
      terminate_process(*holder);
    } else {
      throw std::runtime_error("ingest lock " + pid_file_.string() + " is held by pid " + std::to_string(*holder) +
                               (cmdline.empty() ? std::string() : " (" + cmdline[0] + ")") +
                               ", which is not a zcrec feed of " + ring_ + "; not touching it");
    }
    // Its end released the lock (the kernel closes a process's files before it reports the exit).
    for (int i = 0; i < 20 && !lock.held(); ++i) {
      lock = PidLock::try_acquire(pid_file_);
      if (!lock.held()) ::poll(nullptr, 0, 50);
    }
    if (!lock.held()) throw std::runtime_error("ingest lock " + pid_file_.string() + " is still held");
  }

  // An ingest started by a zcrecd that had no pid files is found through the ring's writer slot.
  std::optional<fifo::RingStatus> status;
  try {
    status = fifo::RingReader::inspect(ring_);
  } catch (const fifo::FifoError&) {
    // No ring yet, or one the new writer will recreate: nothing to adopt.
  }
  if (status && status->writer_alive && status->writer_pid > 0) {
    const pid_t writer = static_cast<pid_t>(status->writer_pid);
    const auto cmdline = process_cmdline(writer);
    if (is_ours(writer)) {
      pidfd_ = fifo::UniqueFd(open_pidfd(writer));
      if (pidfd_) {
        pid_ = writer;
        ours_ = false;
        lock_ = lock.release();  // held here for as long as this process is ours
        return Start::adopted;
      }
    } else if (is_ingest_of(cmdline, ring_)) {
      terminate_process(writer);
    } else if (!cmdline.empty()) {
      throw std::runtime_error("ring " + ring_ + " is written by another process (pid " + std::to_string(writer) +
                               ": " + cmdline[0] + "); not starting a second writer");
    }
  }

  std::vector<char*> args;
  for (auto& a : argv_) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& kv : env_) envp.push_back(kv.data());
  envp.push_back(nullptr);
  const int lock_fd = lock.fd();
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
    // The pid lock becomes the ingest's fd 3, kept across exec: the process holds it until it ends.
    if (lock_fd == 3) {
      ::fcntl(3, F_SETFD, 0);
    } else if (::dup2(lock_fd, 3) != 3) {
      ::_exit(126);
    }
    if (!write_pid_text(3, ::getpid())) ::_exit(126);
    // Nothing else of the daemon's but stdout/stderr: an inherited listening socket would keep the API's port
    // busy for the next daemon as long as this (adoptable) process lives; another camera's pid lock would be
    // held by the wrong process.
    ::close_range(4, ~0U, 0);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  // Our copy goes: from now on only the child holds the lock.
  lock = PidLock();
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
  lock_ = fifo::UniqueFd();
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

#include "stop_signals.h"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace zc::cli {

StopSignals::StopSignals(std::initializer_list<int> extra) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  for (int s : extra) sigaddset(&set, s);
  if (pthread_sigmask(SIG_BLOCK, &set, &previous_) != 0) throw std::runtime_error("cannot block SIGINT/SIGTERM");
  fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd_ < 0) {
    const int err = errno;
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    throw std::runtime_error(std::string("signalfd: ") + std::strerror(err));
  }
}

StopSignals::~StopSignals() {
  ::close(fd_);
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

int StopSignals::next() {
  signalfd_siginfo info;
  if (::read(fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return 0;
  const int sig = static_cast<int>(info.ssi_signo);
  if (sig == SIGINT || sig == SIGTERM) requested_ = true;
  return sig;
}

bool StopSignals::requested() {
  while (!requested_ && next() != 0) {
  }
  return requested_;
}

bool StopSignals::sleep_for(std::chrono::nanoseconds d) {
  if (requested()) return false;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
  pollfd p{fd_, POLLIN, 0};
  if (ms > 0) ::poll(&p, 1, static_cast<int>(ms));
  return !requested();
}

}  // namespace zc::cli

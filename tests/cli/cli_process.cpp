#include "cli/cli_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace zc::test {

namespace {

pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& out, const std::filesystem::path& err) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int in = ::open("/dev/null", O_RDONLY);
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || o < 0 || e < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

int decode_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status); }

}  // namespace

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

RunResult run(const std::vector<std::string>& argv, const std::filesystem::path& stdout_file) {
  TempDir tmp;
  const auto out = stdout_file.empty() ? tmp / "stdout" : stdout_file;
  const pid_t pid = spawn(argv, out, tmp / "stderr");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  RunResult r;
  r.exit_code = decode_status(status);
  r.out = read_file(out);
  r.err = read_file(tmp / "stderr");
  return r;
}

Background::Background(const std::vector<std::string>& argv, const std::filesystem::path& log_file)
    : pid_(spawn(argv, "/dev/null", log_file)) {}

Background::~Background() {
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
  }
}

bool Background::running() {
  if (reaped_) return false;
  if (::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

int Background::stop(int sig, std::chrono::milliseconds timeout) {
  if (running()) ::kill(pid_, sig);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) return -1000;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return decode_status(status_);
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "zcrec-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace zc::test

// Running the real `zcrec` binary (and ffmpeg/ffprobe) from tests: fork/exec with stdout/stderr captured to
// files, no shell involved. Background processes are killed and reaped when their handle goes away.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace zc::test {

struct RunResult {
  int exit_code = -1;  // -signal when killed
  std::string out;     // stdout (also left in the file when one was given)
  std::string err;
};

// Runs argv[0] (looked up in PATH) and waits; stdout goes to `stdout_file` when given.
RunResult run(const std::vector<std::string>& argv, const std::filesystem::path& stdout_file = {});

class Background {
 public:
  Background(const std::vector<std::string>& argv, const std::filesystem::path& log_file);
  ~Background();  // SIGKILL + reap if still running
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `sig` and waits up to `timeout` for exit; returns the exit code (-signal), or -1000 on timeout.
  int stop(int sig, std::chrono::milliseconds timeout);
  bool running();

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
};

std::string read_file(const std::filesystem::path& p);

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace zc::test

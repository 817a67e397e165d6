#include "record.h"

#include <zc/media/source.h>

#include <spawn.h>
#include <sys/wait.h>

#include <stdexcept>

extern char** environ;

namespace zc::bench {

std::filesystem::path generate_input(const std::filesystem::path& dir, int seconds) {
  const auto out = dir / "in.h264";
  std::vector<std::string> args = {"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                                   "testsrc2=size=1920x1080:rate=30", "-t", std::to_string(seconds), "-c:v",
                                   "libx264", "-preset", "veryfast", "-b:v", "4M", "-maxrate", "4M", "-bufsize", "8M",
                                   "-g", "30", "-bf", "2", "-pix_fmt", "yuv420p", out.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawnp(&pid, "ffmpeg", nullptr, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot run ffmpeg to generate the benchmark input");
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("ffmpeg failed to encode the input");
  return out;
}

}  // namespace zc::bench

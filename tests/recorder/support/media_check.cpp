#include "media_check.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace zc::test {

CommandResult run_command(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  CommandResult r;
  if (rc != 0) {
    ::close(fds[0]);
    throw std::runtime_error("cannot run " + argv[0]);
  }
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) r.out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

void make_clip(const std::filesystem::path& out, const ClipSpec& s) {
  const std::string size = std::to_string(s.width) + "x" + std::to_string(s.height);
  std::vector<std::string> a = {"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                                s.pattern + "=size=" + size + ":rate=" + std::to_string(s.fps)};
  if (s.aac) a.insert(a.end(), {"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"});
  // G.711: a rising chirp, so that a correlation finds one alignment only (a steady tone repeats every period).
  if (s.alaw || s.mulaw)
    a.insert(a.end(), {"-f", "lavfi", "-i", "aevalsrc=0.5*sin(2*PI*(300+150*t)*t):s=8000"});
  a.insert(a.end(), {"-t", std::to_string(s.seconds), "-c:v", s.codec, "-g", std::to_string(s.gop),
                     "-keyint_min", std::to_string(s.gop), "-bf", std::to_string(s.bframes), "-pix_fmt", "yuv420p"});
  if (s.codec == "libx264") {
    a.insert(a.end(), {"-preset", "veryfast", "-x264-params", "scenecut=0"});
  } else {
    a.insert(a.end(), {"-preset", "ultrafast", "-x265-params",
                       "log-level=error:scenecut=0:bframes=" + std::to_string(s.bframes) +
                           (s.inband_headers ? ":repeat-headers=1" : "")});
  }
  if (s.qp >= 0) a.insert(a.end(), {"-qp", std::to_string(s.qp)});
  if (s.aac) a.insert(a.end(), {"-c:a", "aac", "-b:a", "64k"});
  if (s.alaw) a.insert(a.end(), {"-c:a", "pcm_alaw", "-ac", "1"});
  if (s.mulaw) a.insert(a.end(), {"-c:a", "pcm_mulaw", "-ac", "1"});
  a.push_back(out.string());
  const auto r = run_command(a);
  if (r.exit_code != 0) throw std::runtime_error("ffmpeg failed to make " + out.string());
}

nlohmann::json probe(const std::filesystem::path& file, bool frames) {
  std::vector<std::string> a = {"ffprobe", "-v", "error", "-of", "json", "-show_streams", "-show_format"};
  if (frames) a.insert(a.end(), {"-select_streams", "v:0", "-show_frames", "-show_entries",
                                 "frame=key_frame,pict_type,pts,pkt_dts,best_effort_timestamp_time,width,height:"
                                 "stream:format"});
  a.push_back(file.string());
  const auto r = run_command(a);
  if (r.exit_code != 0 || r.out.empty()) return nlohmann::json::object();
  return nlohmann::json::parse(r.out, nullptr, false);
}

std::vector<std::string> frame_md5s(const std::filesystem::path& file) {
  const auto r = run_command({"ffmpeg", "-nostdin", "-v", "error", "-i", file.string(), "-map", "0:v:0", "-f",
                              "framemd5", "-"});
  std::vector<std::string> out;
  if (r.exit_code != 0) return out;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto comma = line.rfind(',');
    if (comma == std::string::npos) continue;
    std::string h = line.substr(comma + 1);
    h.erase(std::remove(h.begin(), h.end(), ' '), h.end());
    out.push_back(h);
  }
  return out;
}

bool contains_run(const std::vector<std::string>& hay, const std::vector<std::string>& needle, size_t* at) {
  if (needle.empty() || needle.size() > hay.size()) return false;
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end());
  if (it == hay.end()) return false;
  if (at != nullptr) *at = static_cast<size_t>(it - hay.begin());
  return true;
}

}  // namespace zc::test

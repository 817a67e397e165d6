#include "bench_record.h"

#include <zc/media/source.h>

#include <spawn.h>
#include <sys/wait.h>

#include <stdexcept>

extern char** environ;

namespace zc::cli::bench {

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

EncodedStream load_stream(const std::filesystem::path& path) {
  media::MediaSource src(path.string());
  EncodedStream s;
  s.path = path;
  s.info = src.stream_info();
  const auto* video = s.info.first_of(fifo::MediaKind::video);
  if (video == nullptr) throw std::runtime_error(path.string() + " has no video track");
  media::MediaPacket p;
  int64_t first_dts = 0;
  bool first = true;
  while (src.read(p)) {
    const auto* t = s.info.find(p.track);
    if (t == nullptr) continue;
    if (first) {
      first_dts = p.dts;
      first = false;
    }
    const int64_t ns = static_cast<int64_t>(static_cast<__int128>(p.dts - first_dts) * t->time_base.num *
                                            1'000'000'000 / t->time_base.den);
    s.packets.push_back({p.track, p.keyframe, p.pts, p.dts, ns, std::move(p.data)});
    if (p.track == video->track_id) ++s.video_frames;
    s.duration_ns = std::max(s.duration_ns, ns);
  }
  if (s.video_frames == 0) throw std::runtime_error(path.string() + " has no frames");
  s.duration_ns += s.duration_ns / s.video_frames;  // the last frame lasts one frame interval
  return s;
}

}  // namespace zc::cli::bench

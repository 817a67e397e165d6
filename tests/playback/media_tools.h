// Real media for playback tests: clips and fragmented-MP4 segments made by the ffmpeg command (libx264),
// decoded back with `ffmpeg -f framemd5`, segments entered into a real catalog through zc::catalog::Catalog.
#pragma once

#include <zc/catalog/catalog.h>
#include <zc/media/source.h>

#include "playback/captured_process.h"

#include <fcntl.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace zc::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "zcrec_pb_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Runs a command to completion; returns its exit code and fills `out` with its stdout.
inline int run(const std::vector<std::string>& argv, std::string* out = nullptr) {
  CapturedProcess p(argv);
  const int rc = p.wait(std::chrono::seconds(120));
  if (out) *out = p.output();
  return rc;
}

inline std::string ffmpeg_path() { return "/usr/bin/ffmpeg"; }
inline std::string ffprobe_path() { return "/usr/bin/ffprobe"; }

// A libx264 clip with `bframes` B-frames and a keyframe every `gop` frames, optionally with AAC audio.
inline void make_clip(const std::filesystem::path& out, double seconds, const std::string& size = "320x240",
                      int fps = 30, int gop = 30, bool audio = true, int bframes = 2) {
  std::vector<std::string> a = {ffmpeg_path(), "-v", "error", "-y", "-f", "lavfi", "-i",
                                "testsrc2=size=" + size + ":rate=" + std::to_string(fps)};
  if (audio) a.insert(a.end(), {"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"});
  a.insert(a.end(), {"-t", std::to_string(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g",
                     std::to_string(gop), "-keyint_min", std::to_string(gop), "-sc_threshold", "0", "-bf", std::to_string(bframes)});
  if (audio) a.insert(a.end(), {"-c:a", "aac", "-shortest"});
  a.push_back(out.string());
  if (run(a) != 0) throw std::runtime_error("ffmpeg could not make " + out.string());
}

// Cuts `clip` (stream copy) into fragmented MP4 segments of `seconds` each: PREFIX000.mp4, PREFIX001.mp4 ...
inline std::vector<std::filesystem::path> make_segments(const std::filesystem::path& clip,
                                                        const std::filesystem::path& dir, const std::string& prefix,
                                                        int seconds) {
  const std::string pattern = (dir / (prefix + "%03d.mp4")).string();
  if (run({ffmpeg_path(), "-v", "error", "-y", "-i", clip.string(), "-c", "copy", "-f", "segment", "-segment_time",
           std::to_string(seconds), "-segment_format", "mp4", "-segment_format_options",
           "movflags=frag_keyframe+empty_moov+default_base_moof", "-reset_timestamps", "1", pattern}) != 0)
    throw std::runtime_error("ffmpeg could not segment " + clip.string());
  std::vector<std::filesystem::path> out;
  for (int i = 0;; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "%s%03d.mp4", prefix.c_str(), i);
    if (!std::filesystem::exists(dir / name)) break;
    out.push_back(dir / name);
  }
  return out;
}

// The MD5 of every decoded video frame, in output order (`ffmpeg -f framemd5`, hash column only).
inline std::vector<std::string> frame_hashes(const std::filesystem::path& media,
                                             const std::vector<std::string>& input_options = {}) {
  std::vector<std::string> a = {ffmpeg_path(), "-v", "error"};
  a.insert(a.end(), input_options.begin(), input_options.end());
  a.insert(a.end(), {"-i", media.string(), "-map", "0:v:0", "-f", "framemd5", "-"});
  std::string out;
  if (run(a, &out) != 0) throw std::runtime_error("ffmpeg could not decode " + media.string());
  std::vector<std::string> hashes;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    hashes.push_back(line.substr(line.rfind(',') + 1));
  }
  return hashes;
}

inline std::string ffprobe(const std::vector<std::string>& args) {
  std::vector<std::string> a = {ffprobe_path(), "-v", "error"};
  a.insert(a.end(), args.begin(), args.end());
  std::string out;
  if (run(a, &out) != 0) throw std::runtime_error("ffprobe failed");
  return out;
}

// Enters one segment file into the catalog as a complete segment starting at `start_wall_ns`, with its
// keyframe index, as the recorder would.
inline void add_segment(catalog::Catalog& catalog, int64_t recording_id, int64_t ordinal,
                        const std::filesystem::path& file, int64_t start_wall_ns) {
  media::SourceOptions so;
  so.audio = false;
  media::MediaSource src(file.string(), so);
  const auto& v = *src.stream_info().first_of(fifo::MediaKind::video);
  catalog::NewSegment s;
  s.recording_id = recording_id;
  s.ordinal = ordinal;
  s.path = std::filesystem::relative(file, catalog.dir()).string();
  s.start_wall_ns = start_wall_ns;
  s.video_codec = v.codec == fifo::Codec::h265 ? "h265" : "h264";
  s.width = v.width;
  s.height = v.height;
  s.video_config = v.config;
  const int64_t id = catalog.begin_segment(s);
  catalog::SegmentProgress p;
  media::MediaPacket pkt;
  int64_t first_pts = -1, last_pts = 0;
  while (src.read(pkt)) {
    const int64_t pts90k = pkt.pts * 90000 * v.time_base.num / v.time_base.den;
    if (first_pts < 0) first_pts = pts90k;
    if (pkt.keyframe) {
      catalog::KeyframeEntry k;
      k.sample_number = p.frames;
      k.media_offset_90k = pts90k - first_pts;
      k.wall_ns = start_wall_ns + catalog::ticks90k_to_ns(k.media_offset_90k);
      p.new_keyframes.push_back(k);
      ++p.keyframes;
    }
    last_pts = std::max(last_pts, pts90k);
    ++p.frames;
  }
  p.duration_90k = last_pts - first_pts + 3000;
  p.end_wall_ns = start_wall_ns + catalog::ticks90k_to_ns(p.duration_90k);
  p.size_bytes = static_cast<int64_t>(std::filesystem::file_size(file));
  catalog.finish_segment(id, "complete", "length", p);
}

inline int64_t begin_recording(catalog::Catalog& catalog, const std::string& stream, int64_t start_wall_ns) {
  catalog.ensure_stream(stream, start_wall_ns);
  catalog::NewRecording r;
  r.stream_name = stream;
  r.trigger_wall_ns = start_wall_ns;
  r.trigger_mono_ns = 1;
  return catalog.begin_recording(r);
}

}  // namespace zc::test

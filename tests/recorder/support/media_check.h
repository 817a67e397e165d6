// The real tools as judges: clips made with the ffmpeg command, MP4 files inspected with ffprobe and decoded
// with `ffmpeg -f framemd5`.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace zc::test {

// Runs argv (argv[0] looked up in PATH); returns the exit status and stdout. stderr goes to the test log.
struct CommandResult {
  int exit_code = -1;
  std::string out;
};
CommandResult run_command(const std::vector<std::string>& argv);

struct ClipSpec {
  std::string codec = "libx264";  // or libx265
  int width = 320, height = 240, fps = 30, gop = 30, bframes = 2;
  double seconds = 4;
  bool aac = false;
  bool alaw = false;   // G.711 A-law audio (write to .mov: MP4 cannot carry it)
  bool mulaw = false;  // G.711 µ-law audio (.mov too)
  bool inband_headers = false;  // libx265 repeat-headers: VPS/SPS/PPS (and SEI) in every keyframe as well
  std::string pattern = "testsrc2";
  int qp = -1;  // >= 0: constant quantiser (0 = lossless, large files for disk-full tests)
};
// Encodes a synthetic clip into an MP4 file with the ffmpeg command.
void make_clip(const std::filesystem::path& out, const ClipSpec& spec);

// ffprobe -show_streams -show_frames (video) as JSON.
nlohmann::json probe(const std::filesystem::path& file, bool frames = true);
// MD5 of every decoded video frame in presentation order; empty when the file does not decode.
std::vector<std::string> frame_md5s(const std::filesystem::path& file);
// True when `needle` occurs in `hay` as a contiguous run; sets `at` to where.
bool contains_run(const std::vector<std::string>& hay, const std::vector<std::string>& needle, size_t* at = nullptr);

}  // namespace zc::test

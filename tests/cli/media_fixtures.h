// Real encoder output for the CLI tests, produced with the `ffmpeg` command (libx264/libx265/aac), and the
// zcrec binary under test.
#pragma once

#include "cli/cli_process.h"

#include <filesystem>
#include <string>
#include <vector>

namespace zc::test {

inline const std::string kZcrec = ZCREC_BIN;

struct EncodeSpec {
  std::string codec = "libx264";  // or libx265
  std::string size = "320x240";
  double seconds = 2;
  int gop = 30;
  int bframes = 2;
  bool audio = false;
};

// Encodes the lavfi test pattern into `out` (container chosen by its extension); fails the test on error.
void encode(const EncodeSpec& spec, const std::filesystem::path& out);

// `ffprobe` of the first stream of `file` (format forced when given): returns key=value lines.
std::string probe_stream(const std::filesystem::path& file, const std::string& entries,
                         const std::string& format = "");

// The per-frame MD5s of decoded video (`ffmpeg -f framemd5`), without timestamps, one per line.
std::vector<std::string> decoded_frame_md5s(const std::filesystem::path& file, const std::string& format = "");

// Runs zcrec with `args`; stdout to `stdout_file` when given.
inline RunResult zcrec(std::vector<std::string> args, const std::filesystem::path& stdout_file = {}) {
  args.insert(args.begin(), kZcrec);
  return run(args, stdout_file);
}

}  // namespace zc::test

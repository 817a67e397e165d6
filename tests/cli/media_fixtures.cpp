#include "cli/media_fixtures.h"

#include <gtest/gtest.h>

#include <sstream>

namespace zc::test {

void encode(const EncodeSpec& s, const std::filesystem::path& out) {
  std::vector<std::string> argv = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                                   "testsrc2=size=" + s.size + ":rate=30"};
  if (s.audio) argv.insert(argv.end(), {"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"});
  argv.insert(argv.end(), {"-t", std::to_string(s.seconds), "-c:v", s.codec, "-g", std::to_string(s.gop),
                           "-bf", std::to_string(s.bframes)});
  const std::string gop = std::to_string(s.gop);
  if (s.codec == "libx265")
    argv.insert(argv.end(), {"-x265-params", "log-level=error:keyint=" + gop + ":min-keyint=" + gop});
  else
    argv.insert(argv.end(), {"-sc_threshold", "0"});
  if (s.audio) argv.insert(argv.end(), {"-c:a", "aac"});
  argv.push_back(out.string());
  const auto r = run(argv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

std::string probe_stream(const std::filesystem::path& file, const std::string& entries, const std::string& format) {
  std::vector<std::string> argv = {"ffprobe", "-v", "error"};
  if (!format.empty()) argv.insert(argv.end(), {"-f", format});
  argv.insert(argv.end(), {"-count_frames", "-select_streams", "0", "-show_entries", "stream=" + entries, "-of",
                           "default=noprint_wrappers=1", file.string()});
  const auto r = run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

std::vector<std::string> decoded_frame_md5s(const std::filesystem::path& file, const std::string& format) {
  std::vector<std::string> argv = {"ffmpeg", "-hide_banner", "-loglevel", "error"};
  if (!format.empty()) argv.insert(argv.end(), {"-f", format});
  argv.insert(argv.end(), {"-i", file.string(), "-map", "0:v:0", "-f", "framemd5", "-"});
  const auto r = run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> md5s;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    md5s.push_back(line.substr(line.rfind(',') + 1));  // the hash is the last column
  }
  return md5s;
}

}  // namespace zc::test
